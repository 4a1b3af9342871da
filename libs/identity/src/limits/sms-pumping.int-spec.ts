import { randomBytes } from 'node:crypto';
import { LimitsPolicy, PhonePolicy } from '@honnin/policy';
import { IdentityError } from '../errors/identity-error';
import { Viewer } from '../sessions/sessions';
import { context, IdentityHarness, PASSWORD } from '../test/identity-harness';
import { NO_METRICS } from '../common/identity-metrics';
import { PREFIX_BUCKET_SECONDS } from './prefix-velocity';
import { LimitedCaller } from './rate-limits';
import { SmsPumpingDefence } from './sms-pumping';

/** Limits so high they never trip; the pumping defence's own settings are given per test. */
const OPEN: LimitsPolicy = {
  sendsPerPhonePerHour: 100, sendsPerPhonePerDay: 1000, sendsPerUserPerHour: 100, sendsPerIpPerHour: 10_000, sendsPerTenantPerHour: 10_000,
  sendsPerTenantPerDay: 100_000, prefixBurstMinimum: 100_000, prefixBurstFactor: 10, verifyFailuresPerUserPerHour: 100,
  loginFailuresPerAccount: 10, loginFailuresPerIpPerHour: 10_000,
};

interface Outcome {
  code: string;
  retryAfterSeconds?: number;
  reason?: string;
}

async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  try {
    await promise;
    return { code: 'OK' };
  } catch (error) {
    if (!(error instanceof IdentityError)) throw error;
    const { retryAfterSeconds, reason } = error.details as { retryAfterSeconds?: number; reason?: string };
    return { code: error.code, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}), ...(reason !== undefined ? { reason } : {}) };
  }
}

describe('SMS pumping defence (prefix velocity holds, tenant daily budget, high-risk prefixes)', () => {
  const h = new IdentityHarness();
  let numbers = 0;
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  /** A distinct valid mobile number: UK (+44 7400 …) or Japan (+81 90 …). */
  const uk = () => `+447400${String(100_000 + ++numbers)}`;
  const jp = () => `+8190${String(10_000_000 + ++numbers)}`;

  async function tenantWith(limits: Partial<LimitsPolicy>, phone: Partial<PhonePolicy> = {}) {
    const slug = `pump-${randomBytes(4).toString('hex')}`;
    const { admin } = await h.tenant(slug);
    await h.identity.policies.update(admin.tenant.id, { limits: { ...OPEN, ...limits }, otp: { resendCooldownSeconds: 0 }, phone }, { apiKeyId: admin.apiKeyId, at: h.clock.now() });
    const { token, viewer } = await h.user(slug, `sender@${slug}.example`);
    return { slug, admin, tenantId: admin.tenant.id, token, viewer };
  }

  type TestTenant = Awaited<ReturnType<typeof tenantWith>>;

  /** Puts a policy change in force; the sender's viewer carries the policy, so it is read again. */
  async function changePolicy(t: TestTenant, update: { limits?: Partial<LimitsPolicy>; phone?: Partial<PhonePolicy> }): Promise<void> {
    await h.identity.policies.update(t.tenantId, update, { apiKeyId: t.admin.apiKeyId, at: h.clock.now() });
    t.viewer = await h.viewer(t.slug, t.token);
  }

  /** The tenant's sender as the pumping defence sees it, for calling `checkSend` directly. */
  const senderOf = (t: TestTenant): LimitedCaller => ({ tenantId: t.tenantId, userId: t.viewer.user.id, sessionId: t.viewer.session.id, context: context(t.slug) });

  /** The usual traffic of a tenant's past, sent while the pumping defence cannot trip, then `limits` in force. */
  async function pastTraffic(t: TestTenant, phones: string[], limits: Partial<LimitsPolicy>): Promise<void> {
    expect(await enrolAll(t.viewer, phones)).toEqual(phones.map(() => 'OK'));
    await changePolicy(t, { limits: { ...OPEN, ...limits } });
  }

  const enrol = (viewer: Viewer, phone: string) => outcome(h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: phone }));

  async function enrolAll(viewer: Viewer, phones: string[]): Promise<string[]> {
    const codes: string[] = [];
    for (const phone of phones) codes.push((await enrol(viewer, phone)).code);
    return codes;
  }

  /** Moves the clock to the start of a later 10-minute bucket, `buckets` on. */
  function nextBucket(buckets = 1): void {
    const size = PREFIX_BUCKET_SECONDS * 1000;
    const now = h.clock.now().getTime();
    h.clock.advance((Math.floor(now / size) * size + buckets * size - now) / 1000);
  }

  async function queuedTo(tenantId: string, prefix: string): Promise<number> {
    const [{ n }] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM sms_outbox WHERE tenant_id = $1 AND to_e164 LIKE $2`, [tenantId, `${prefix}%`]);
    return n;
  }

  async function audit(tenantId: string, type: string): Promise<Record<string, unknown>[]> {
    const rows: { details: Record<string, unknown> }[] = await h.db.dataSource.query(`SELECT details FROM audit_events WHERE tenant_id = $1 AND type = $2 ORDER BY id`, [tenantId, type]);
    return rows.map((r) => r.details);
  }

  const times = <T>(n: number, make: () => T): T[] => Array.from({ length: n }, make);

  it('a burst to a foreign prefix is held after the threshold while the usual country continues; the admin lift lets it through, audited', async () => {
    const t = await tenantWith({});
    nextBucket();
    // The tenant's usual traffic: 30 Japanese sends in the 24 h before the burst's bucket.
    await pastTraffic(t, times(30, jp), { prefixBurstMinimum: 5, prefixBurstFactor: 10 });
    nextBucket();

    const burst = await enrolAll(t.viewer, times(8, uk));
    expect(burst).toEqual([...times(5, () => 'OK'), ...times(3, () => 'RATE_LIMITED')]);
    expect(await enrol(t.viewer, uk())).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 3600 });
    expect(await queuedTo(t.tenantId, '+44')).toBe(5);
    // +81 averaged 30/144 a bucket: its threshold is still the minimum, and 5 more sends are within it.
    expect(await enrolAll(t.viewer, times(5, jp))).toEqual(times(5, () => 'OK'));
    expect(await queuedTo(t.tenantId, '+81')).toBe(35);

    expect(await audit(t.tenantId, 'sms_pumping.hold')).toEqual([{ prefix: '+44', count: 6, baseline: 0, threshold: 5 }]);
    const heldAt = h.clock.now();
    expect(await h.identity.smsPumping.holds(t.tenantId)).toEqual([
      { prefix: '+44', heldAt, heldUntil: new Date(heldAt.getTime() + 86_400_000), count: 6, threshold: 5, liftedAt: null, exemptUntil: null },
    ]);
    const trips = await eventuallyAudit(t.tenantId, 'rate_limit.tripped', 4);
    expect(trips.every((trip) => trip['key'] === 'prefix' && trip['limit'] === 'prefixHold' && trip['prefix'] === '+44')).toBe(true);

    h.clock.advance(60);
    const lifted = await h.identity.smsPumping.lift(t.admin, '+44');
    expect(lifted).toMatchObject({ prefix: '+44', count: 6, threshold: 5, liftedAt: h.clock.now() });
    expect(await audit(t.tenantId, 'sms_pumping.lifted')).toEqual([
      expect.objectContaining({ prefix: '+44', count: 6, threshold: 5, exemptUntil: new Date(h.clock.now().getTime() + 3_600_000).toISOString() }),
    ]);
    expect(await outcome(h.identity.smsPumping.lift(t.admin, '+44'))).toEqual({ code: 'BAD_USER_INPUT' });
    // Exempt for an hour: the bucket is far over its threshold, yet the sends go out.
    expect(await enrolAll(t.viewer, times(10, uk))).toEqual(times(10, () => 'OK'));
    expect(await queuedTo(t.tenantId, '+44')).toBe(15);

    // After the exemption the same burst is held again.
    h.clock.advance(3600);
    nextBucket();
    expect(await enrolAll(t.viewer, times(7, uk))).toEqual([...times(5, () => 'OK'), 'RATE_LIMITED', 'RATE_LIMITED']);
    expect((await audit(t.tenantId, 'sms_pumping.hold')).map((d) => d['prefix'])).toEqual(['+44', '+44']);
    expect((await h.identity.smsPumping.holds(t.tenantId))[0]).toMatchObject({ prefix: '+44', liftedAt: null, count: 6 });
  });

  it('sends another limit refuses are no part of a burst: ten to one number, eight cut by its limit, leave four sends before the hold', async () => {
    const t = await tenantWith({});
    nextBucket();
    await pastTraffic(t, times(30, jp), { prefixBurstMinimum: 5, prefixBurstFactor: 10, sendsPerPhonePerHour: 2 });
    nextBucket();

    const one = uk();
    expect(await enrolAll(t.viewer, times(10, () => one))).toEqual([...times(2, () => 'OK'), ...times(8, () => 'RATE_LIMITED')]);
    expect(await enrolAll(t.viewer, times(4, uk))).toEqual([...times(3, () => 'OK'), 'RATE_LIMITED']);
    expect(await queuedTo(t.tenantId, '+44')).toBe(5);
    expect(await audit(t.tenantId, 'sms_pumping.hold')).toEqual([{ prefix: '+44', count: 6, baseline: 0, threshold: 5 }]);
  });

  it('the threshold follows the baseline: floor(29 / 144 × 100) = 20 sends a bucket pass, the 21st holds the prefix', async () => {
    const t = await tenantWith({});
    nextBucket();
    await pastTraffic(t, times(29, jp), { prefixBurstMinimum: 5, prefixBurstFactor: 100 });
    // 3 h later: the earlier bucket is in the 24 h window, the empty ones count as 0.
    nextBucket(18);
    expect(await enrolAll(t.viewer, times(21, jp))).toEqual([...times(20, () => 'OK'), 'RATE_LIMITED']);
    expect(await audit(t.tenantId, 'sms_pumping.hold')).toEqual([{ prefix: '+81', count: 21, baseline: 29 / 144, threshold: 20 }]);
    // A day on, the hold has ended by itself and the old buckets are gone.
    h.clock.advance(86_400);
    nextBucket();
    expect(await enrol(t.viewer, jp())).toEqual({ code: 'OK' });
    const [{ n }] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM sms_prefix_sends WHERE tenant_id = $1 AND bucket_start < $2`, [
      t.tenantId, new Date(h.clock.now().getTime() - 86_400_000 - 600_000),
    ]);
    expect(n).toBe(0);
  });

  it('replicas racing past the threshold create one hold and one audit event; no send past the threshold gets through', async () => {
    const t = await tenantWith({ prefixBurstMinimum: 3 });
    nextBucket();
    const caller = senderOf(t);
    const limits = { ...OPEN, prefixBurstMinimum: 3 };
    const answers = await Promise.all(times(12, () => outcome(h.identity.smsPumping.checkSend(caller, uk(), limits))));
    expect(answers.filter((a) => a.code === 'OK')).toHaveLength(3);
    expect(answers.filter((a) => a.code === 'RATE_LIMITED')).toHaveLength(9);
    expect(await audit(t.tenantId, 'sms_pumping.hold')).toHaveLength(1);
    const hold = { tenantId: t.tenantId, prefix: '+1', heldAt: h.clock.now(), heldUntil: new Date(h.clock.now().getTime() + 60_000), sends: 9, baseline: 0, threshold: 3 };
    const created = await Promise.all(times(2, () => h.db.store.prefixVelocity.createHold(hold)));
    expect(created.sort()).toEqual([false, true]);
  });

  it('sends are counted ahead in leases; a hold made by one replica stops the sends another replica had leased', async () => {
    const t = await tenantWith({ prefixBurstMinimum: 200 });
    nextBucket();
    const caller = senderOf(t);
    const limits = { ...OPEN, prefixBurstMinimum: 200 };
    const other = new SmsPumpingDefence(h.db, NO_METRICS, h.clock, () => undefined);
    await other.start();
    const bucketCount = async () => {
      const [{ n }] = await h.db.dataSource.query(`SELECT coalesce(sum(sends), 0)::int AS n FROM sms_prefix_sends WHERE tenant_id = $1 AND prefix = '+44'`, [t.tenantId]);
      return n;
    };
    // The second send takes floor((200 - 1) / 16) = 12 ahead: the bucket counts 13 after 2 sends.
    for (let i = 0; i < 2; i++) expect(await outcome(h.identity.smsPumping.checkSend(caller, uk(), limits))).toEqual({ code: 'OK' });
    expect(await bucketCount()).toBe(13);
    const holdAnnounced = new Promise<string>((resolve) => void h.db.changes.subscribe('sms_prefix_holds', resolve));
    let passed = 0;
    while ((await outcome(other.checkSend(caller, uk(), limits))).code === 'OK') passed += 1;
    expect(passed).toBeLessThanOrEqual(200 - 13);
    expect(await audit(t.tenantId, 'sms_pumping.hold')).toHaveLength(1);
    // The first replica still held 11 sends: it forgot them when the hold's NOTIFY arrived.
    expect(await holdAnnounced).toBe(`${t.tenantId}|+44`);
    expect(await outcome(h.identity.smsPumping.checkSend(caller, uk(), limits))).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('sends at once while a take of many is on its way wait for it: the bucket row is written twice for 40 sends, not 40 times', async () => {
    const t = await tenantWith({ prefixBurstMinimum: 100_000 });
    nextBucket();
    const caller = senderOf(t);
    const limits = { ...OPEN, prefixBurstMinimum: 100_000 };
    // The first send learns the bucket's count; the second takes 64 ahead.
    for (let i = 0; i < 2; i++) expect(await outcome(h.identity.smsPumping.checkSend(caller, uk(), limits))).toEqual({ code: 'OK' });
    const counted = jest.spyOn(h.db.store.prefixVelocity, 'countSend');
    try {
      const answers = await Promise.all(times(40, () => outcome(h.identity.smsPumping.checkSend(caller, uk(), limits))));
      expect(answers.every((a) => a.code === 'OK')).toBe(true);
      // 63 held after the second send cover these 40; no send counted itself alone.
      expect(counted).not.toHaveBeenCalled();
      const more = await Promise.all(times(40, () => outcome(h.identity.smsPumping.checkSend(caller, uk(), limits))));
      expect(more.every((a) => a.code === 'OK')).toBe(true);
      // 23 left, then one take of 64 that the other 16 waited for.
      expect(counted.mock.calls.map((call) => call[4])).toEqual([64]);
    } finally {
      counted.mockRestore();
    }
  });

  it('leased sends that were never made are taken off their bucket when the next bucket starts', async () => {
    const t = await tenantWith({ prefixBurstMinimum: 1000 });
    nextBucket();
    const caller = senderOf(t);
    const limits = { ...OPEN, prefixBurstMinimum: 1000 };
    for (let i = 0; i < 3; i++) expect(await outcome(h.identity.smsPumping.checkSend(caller, uk(), limits))).toEqual({ code: 'OK' });
    const sends = async () => (await h.db.store.prefixVelocity.sendsBetween(t.tenantId, '+44', new Date(0), new Date(8.64e15)));
    expect(await sends()).toBe(1 + 62);
    nextBucket();
    expect(await outcome(h.identity.smsPumping.checkSend(caller, uk(), limits))).toEqual({ code: 'OK' });
    expect(await sends()).toBe(3 + 1);
  });

  it('another tenant is unaffected by a hold', async () => {
    const a = await tenantWith({ prefixBurstMinimum: 2 });
    const b = await tenantWith({ prefixBurstMinimum: 2 });
    nextBucket();
    expect(await enrolAll(a.viewer, times(3, uk))).toEqual(['OK', 'OK', 'RATE_LIMITED']);
    expect(await enrolAll(b.viewer, times(2, uk))).toEqual(['OK', 'OK']);
    expect(await h.identity.smsPumping.holds(b.tenantId)).toEqual([]);
  });

  it('high-risk prefixes are refused by default (BLOCKED_PREFIX) and allowed once the tenant lists them', async () => {
    const t = await tenantWith({});
    const iridium = '+881612345678';
    const inmarsat = '+870773111632';
    const refused = { code: 'PHONE_NOT_ALLOWED', reason: 'BLOCKED_PREFIX' };
    expect(await enrol(t.viewer, iridium)).toEqual(refused);
    expect(await enrol(t.viewer, inmarsat)).toEqual(refused);
    expect(await outcome(h.identity.accounts.signUp(context(t.slug), { loginId: 'sat@example.com', password: PASSWORD, phoneNumber: iridium }))).toEqual(refused);
    expect(await queuedTo(t.tenantId, '+8')).toBe(0);

    await changePolicy(t, { phone: { allowedHighRiskPrefixes: ['+8816'] } });
    expect(await enrol(t.viewer, iridium)).toEqual({ code: 'OK' });
    expect(await enrol(t.viewer, '+881712345678')).toEqual(refused);
    expect(await enrol(t.viewer, inmarsat)).toEqual(refused);
    // Listing it lifts only the built-in refusal: the tenant's own rules still apply.
    await changePolicy(t, { phone: { allowedHighRiskPrefixes: ['+870'], allowedCountries: ['JP'] } });
    expect(await enrol(t.viewer, inmarsat)).toEqual({ code: 'PHONE_NOT_ALLOWED', reason: 'COUNTRY' });
    await changePolicy(t, { phone: { allowedCountries: [] } });
    expect(await enrol(t.viewer, inmarsat)).toEqual({ code: 'OK' });
    expect(await queuedTo(t.tenantId, '+8')).toBe(2);
  });

  it('the tenant budget per day cuts every user off once spent, for the rest of the day', async () => {
    const t = await tenantWith({ sendsPerTenantPerDay: 3 });
    expect(await enrolAll(t.viewer, times(3, jp))).toEqual(['OK', 'OK', 'OK']);
    const { viewer: other } = await h.user(t.slug, 'other@example.com');
    const refused = await enrol(other, jp());
    expect(refused.code).toBe('RATE_LIMITED');
    expect(refused.retryAfterSeconds).toBeGreaterThan(86_000);
    expect(await queuedTo(t.tenantId, '+')).toBe(3);
    expect((await eventuallyAudit(t.tenantId, 'rate_limit.tripped', 1))[0]).toMatchObject({ key: 'tenant', limit: 'sendsPerTenantPerDay' });
  });

  /** Refusals are audited through the batching buffer: poll until `count` are written. */
  async function eventuallyAudit(tenantId: string, type: string, count: number): Promise<Record<string, unknown>[]> {
    for (let i = 0; i < 100; i++) {
      const rows = await audit(tenantId, type);
      if (rows.length >= count) return rows;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`fewer than ${count} ${type} events`);
  }
});
