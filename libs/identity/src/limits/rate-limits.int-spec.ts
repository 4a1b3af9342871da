import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { LimitsPolicy } from '@honnin/policy';
import { RequestContext } from '../common/clock';
import { IdentityError } from '../errors/identity-error';
import { Viewer } from '../sessions/sessions';
import { context, IdentityHarness, PASSWORD, wrongCode } from '../test/identity-harness';
import { CounterHit, RateLimiters, RateLimitStore } from './rate-limit-store';
import { RateLimits } from './rate-limits';

const REDIS_URL = 'redis://127.0.0.1:6379';
// Decided before the suites are declared so an absent Redis skips its variant visibly.
const redisAnswers =
  spawnSync(process.execPath, ['-e', "require('net').connect(6379, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"], { timeout: 3000 }).status === 0;
if (!redisAnswers) console.error(`rate-limits.int-spec: Redis at ${REDIS_URL} does not answer; the Redis variant is skipped`);

/** Limits so high they never trip, then the one under test on top. */
const OPEN: LimitsPolicy = {
  sendsPerPhonePerHour: 100, sendsPerPhonePerDay: 1000, sendsPerUserPerHour: 100, sendsPerIpPerHour: 10_000, sendsPerTenantPerHour: 10_000,
  sendsPerTenantPerDay: 100_000, prefixBurstMinimum: 100_000, prefixBurstFactor: 10,
  verifyFailuresPerUserPerHour: 100, loginFailuresPerAccount: 10, loginFailuresPerIpPerHour: 10_000,
};

async function outcome(promise: Promise<unknown>): Promise<{ code: string; retryAfterSeconds?: number }> {
  try {
    await promise;
    return { code: 'OK' };
  } catch (error) {
    if (!(error instanceof IdentityError)) throw error;
    const retry = error.details['retryAfterSeconds'];
    return typeof retry === 'number' ? { code: error.code, retryAfterSeconds: retry } : { code: error.code };
  }
}

const stores: [string, RateLimitStore, boolean][] = [
  ['Postgres', { kind: 'postgres' }, true],
  ['Redis', { kind: 'redis', url: REDIS_URL, keyPrefix: `honnin-test:${randomBytes(6).toString('hex')}:` }, redisAnswers],
];

describe.each(stores)('rate limits counted in %s', (_name, store, available) => {
  (available ? describe : describe.skip)('limits', () => {
    const h = new IdentityHarness(undefined, store);
    let slugs = 0;
    beforeAll(() => h.start());
    afterAll(() => h.stop());

    async function tenantWith(limits: Partial<LimitsPolicy>) {
      const slug = `rl-${++slugs}`;
      const { admin } = await h.tenant(slug);
      await h.identity.policies.update(admin.tenant.id, { limits: { ...OPEN, ...limits }, otp: { resendCooldownSeconds: 0 } }, { apiKeyId: admin.apiKeyId, at: h.clock.now() });
      return { slug, tenantId: admin.tenant.id };
    }

    async function userOf(slug: string, ip = '127.0.0.1'): Promise<Viewer> {
      const { viewer } = await h.user(slug, `u${randomBytes(4).toString('hex')}@example.com`);
      return { ...viewer, context: { ...viewer.context, ip } };
    }

    const enrol = (viewer: Viewer, phone: string) => outcome(h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: phone }));

    async function outboxRows(tenantId: string): Promise<number> {
      const [{ n }] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM sms_outbox WHERE tenant_id = $1`, [tenantId]);
      return n;
    }

    /** The tenant's rate_limit.tripped details, once the batching audit buffer wrote them. */
    async function trips(tenantId: string, count: number): Promise<Record<string, unknown>[]> {
      for (let i = 0; i < 100; i++) {
        const rows: { details: Record<string, unknown> }[] = await h.db.dataSource.query(
          `SELECT details FROM audit_events WHERE tenant_id = $1 AND type = 'rate_limit.tripped' ORDER BY id`, [tenantId],
        );
        if (rows.length >= count) return rows.map((r) => r.details);
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`fewer than ${count} rate_limit.tripped events`);
    }

    it('per phone and hour: the send after the limit is refused, nothing is queued, another phone is unaffected', async () => {
      const { slug, tenantId } = await tenantWith({ sendsPerPhonePerHour: 2 });
      const phone = h.newPhone();
      expect(await enrol(await userOf(slug), phone)).toEqual({ code: 'OK' });
      expect(await enrol(await userOf(slug), phone)).toEqual({ code: 'OK' });
      const refused = await enrol(await userOf(slug), phone);
      expect(refused.code).toBe('RATE_LIMITED');
      expect(refused.retryAfterSeconds).toBeGreaterThan(3500);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(3600);
      expect(await outboxRows(tenantId)).toBe(2);
      expect(await enrol(await userOf(slug), h.newPhone())).toEqual({ code: 'OK' });
      const [trip] = await trips(tenantId, 1);
      expect(trip).toMatchObject({ key: 'phone', limit: 'sendsPerPhonePerHour' });
      expect(String(trip['phone']).endsWith(phone.slice(-4))).toBe(true);
      expect(JSON.stringify(trip)).not.toContain(phone.slice(3));
    });

    it('a burst to one phone at once is cut exactly at the limit, and the refused sends count nowhere else', async () => {
      const { slug, tenantId } = await tenantWith({ sendsPerPhonePerHour: 5, sendsPerUserPerHour: 6 });
      const viewer = await userOf(slug);
      const phone = h.newPhone();
      const answers = await Promise.all(Array.from({ length: 20 }, () => enrol(viewer, phone)));
      expect(answers.filter((a) => a.code === 'OK')).toHaveLength(5);
      expect(answers.filter((a) => a.code === 'RATE_LIMITED')).toHaveLength(15);
      expect(await outboxRows(tenantId)).toBe(5);
      // The user's counter holds the 5 sends made, not the 15 refused: one more fits, then none.
      expect(await enrol(viewer, h.newPhone())).toEqual({ code: 'OK' });
      expect(await enrol(viewer, h.newPhone())).toMatchObject({ code: 'RATE_LIMITED' });
    });

    it('per phone and day: refused for about a day once the daily count is spent', async () => {
      const { slug, tenantId } = await tenantWith({ sendsPerPhonePerDay: 2 });
      const phone = h.newPhone();
      await enrol(await userOf(slug), phone);
      await enrol(await userOf(slug), phone);
      const refused = await enrol(await userOf(slug), phone);
      expect(refused.code).toBe('RATE_LIMITED');
      expect(refused.retryAfterSeconds).toBeGreaterThan(86_000);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(86_400);
      expect(await outboxRows(tenantId)).toBe(2);
    });

    it('per user: resends count too; another user is unaffected', async () => {
      const { slug, tenantId } = await tenantWith({ sendsPerUserPerHour: 3 });
      const viewer = await userOf(slug);
      const challenge = await h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: h.newPhone() });
      expect(await outcome(h.identity.smsChallenges.resend(viewer, challenge.id))).toEqual({ code: 'OK' });
      expect(await enrol(viewer, h.newPhone())).toEqual({ code: 'OK' });
      const refused = await outcome(h.identity.smsChallenges.resend(viewer, challenge.id));
      expect(refused.code).toBe('RATE_LIMITED');
      expect(refused.retryAfterSeconds).toBeGreaterThan(3500);
      expect(await enrol(viewer, h.newPhone())).toMatchObject({ code: 'RATE_LIMITED' });
      expect(await outboxRows(tenantId)).toBe(3);
      expect(await enrol(await userOf(slug), h.newPhone())).toEqual({ code: 'OK' });
      expect((await trips(tenantId, 2)).map((t) => t['key'])).toEqual(['user', 'user']);
    });

    it('per IP: the client address of the request is counted; another address is unaffected', async () => {
      const { slug, tenantId } = await tenantWith({ sendsPerIpPerHour: 2 });
      for (let i = 0; i < 2; i++) expect(await enrol(await userOf(slug, '198.51.100.7'), h.newPhone())).toEqual({ code: 'OK' });
      expect(await enrol(await userOf(slug, '198.51.100.7'), h.newPhone())).toMatchObject({ code: 'RATE_LIMITED' });
      expect(await outboxRows(tenantId)).toBe(2);
      expect(await enrol(await userOf(slug, '198.51.100.8'), h.newPhone())).toEqual({ code: 'OK' });
      expect((await trips(tenantId, 1))[0]).toMatchObject({ key: 'ip', limit: 'sendsPerIpPerHour' });
    });

    it('per tenant: the hourly budget cuts every user off; another tenant is unaffected', async () => {
      const a = await tenantWith({ sendsPerTenantPerHour: 3 });
      const b = await tenantWith({ sendsPerTenantPerHour: 3 });
      for (let i = 0; i < 3; i++) expect(await enrol(await userOf(a.slug), h.newPhone())).toEqual({ code: 'OK' });
      expect(await enrol(await userOf(a.slug), h.newPhone())).toMatchObject({ code: 'RATE_LIMITED' });
      expect(await outboxRows(a.tenantId)).toBe(3);
      expect(await enrol(await userOf(b.slug), h.newPhone())).toEqual({ code: 'OK' });
      expect((await trips(a.tenantId, 1))[0]).toMatchObject({ key: 'tenant' });
    });

    it('per tenant, two replicas sending at once: the budget is taken ahead in leases, and together they send exactly the budget', async () => {
      const budget = 300;
      const { tenantId } = await tenantWith({ sendsPerTenantPerHour: budget });
      const limits = { ...OPEN, sendsPerTenantPerHour: budget };
      const tenantTakes: number[] = [];
      const replicas = await Promise.all([0, 1].map(async () => {
        const limiters = await RateLimiters.open(h.db, store);
        const consumeEach = limiters.consumeEach;
        // Watches what reaches the shared store for the tenant's hourly budget.
        Object.assign(limiters, { consumeEach: (hits: CounterHit[]) => {
          tenantTakes.push(...hits.filter((hit) => hit.spec.name === 'sms_tenant_hour').map((hit) => hit.units ?? 1));
          return consumeEach(hits);
        } });
        return { limiters, limits: new RateLimits(limiters, 'k'.repeat(64), () => undefined) };
      }));
      let sent = 0;
      let n = 0;
      const send = async (replica: RateLimits): Promise<boolean> => {
        n += 1;
        const who = { tenantId, userId: randomBytes(8).toString('hex'), sessionId: null, context: { tenantSlug: 'x', ip: `10.0.${n >> 8}.${n & 255}`, userAgent: null } };
        const ok = (await outcome(replica.consumeSmsSend(who, h.newPhone(), limits))).code === 'OK';
        if (ok) sent += 1;
        return ok;
      };
      // Each replica sends until it is refused, both at once; then the first one to stop is refused still.
      await Promise.all(replicas.map(async ({ limits: replica }) => {
        while (await send(replica));
      }));
      expect(await send(replicas[0].limits)).toBe(false);
      expect(sent).toBe(budget);
      expect(tenantTakes.length).toBeLessThan(budget / 3);
      expect(tenantTakes.some((units) => units > 1)).toBe(true);
      await Promise.all(replicas.map((r) => r.limiters.close()));
    });

    it('sign-up with a phone counts as a send; refused, it creates no user', async () => {
      const { slug, tenantId } = await tenantWith({ sendsPerPhonePerHour: 1 });
      const phone = h.newPhone();
      expect(await outcome(h.identity.accounts.signUp(context(slug), { loginId: 'first@example.com', password: PASSWORD, phoneNumber: phone }))).toEqual({ code: 'OK' });
      expect(await outcome(h.identity.accounts.signUp(context(slug), { loginId: 'second@example.com', password: PASSWORD, phoneNumber: phone }))).toMatchObject({ code: 'RATE_LIMITED' });
      const [{ n }] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE tenant_id = $1`, [tenantId]);
      expect(n).toBe(1);
      expect(await outboxRows(tenantId)).toBe(1);
    });

    it('verify failures per user: TOO_MANY_ATTEMPTS once spent, even with the right code; another user is unaffected', async () => {
      const { slug } = await tenantWith({ verifyFailuresPerUserPerHour: 2 });
      const viewer = await userOf(slug);
      const phone = h.newPhone();
      for (let i = 0; i < 2; i++) {
        const c = await h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: phone });
        expect(await outcome(h.identity.smsChallenges.verify(viewer, { challengeId: c.id, code: wrongCode(await h.codeSentTo(phone)) }))).toEqual({ code: 'INVALID_CODE' });
      }
      const fresh = await h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: phone });
      const code = await h.codeSentTo(phone);
      expect(await outcome(h.identity.smsChallenges.verify(viewer, { challengeId: fresh.id, code }))).toEqual({ code: 'TOO_MANY_ATTEMPTS' });
      // The refusal came before the attempt was counted: the challenge still has all its attempts.
      expect((await h.identity.smsChallenges.get(viewer, fresh.id))?.attemptsRemaining).toBe(5);
      const other = await userOf(slug);
      const otherPhone = h.newPhone();
      const c = await h.identity.smsChallenges.start(other, { purpose: 'ENROLL_PHONE', phoneNumber: otherPhone });
      expect(await outcome(h.identity.smsChallenges.verify(other, { challengeId: c.id, code: await h.codeSentTo(otherPhone) }))).toEqual({ code: 'OK' });
    });

    describe('login', () => {
      const login = (slug: string, loginId: string, password: string, ip = '127.0.0.1') =>
        outcome(h.identity.accounts.login({ ...context(slug), ip } satisfies RequestContext, { loginId, password }));

      it('11 wrong passwords: RATE_LIMITED for that account only, known and unknown ids alike', async () => {
        const { slug, tenantId } = await tenantWith({});
        await h.user(slug, 'known@example.com');
        await h.user(slug, 'bystander@example.com');
        const answers = async (loginId: string) => {
          const seen = [];
          for (let i = 0; i < 11; i++) seen.push(await login(slug, loginId, `wrong password number ${i}!`));
          return seen;
        };
        const expected = [...Array.from({ length: 10 }, () => ({ code: 'INVALID_CREDENTIALS' })), { code: 'RATE_LIMITED', retryAfterSeconds: 1 }];
        expect(await answers('known@example.com')).toEqual(expected);
        // During the 1 s back-off even the right password is refused (else the answer would confirm a guess).
        expect(await login(slug, 'known@example.com', PASSWORD)).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
        // The id is normalised before it is counted. Asked at once, while the gate is shut: the gate the
        // 11th failure opens lasts 1 s, so a slow machine must not reach this after it.
        expect((await login(slug, '  KNOWN@example.com', PASSWORD)).code).toBe('RATE_LIMITED');
        expect(await answers('nobody@example.com')).toEqual(expected);
        expect(await login(slug, 'bystander@example.com', PASSWORD)).toEqual({ code: 'OK' });
        const recorded = await trips(tenantId, 4);
        expect(recorded.every((t) => t['key'] === 'account' && t['limit'] === 'loginBackoff')).toBe(true);
        expect(JSON.stringify(recorded)).not.toContain('known@');
      });

      it('per IP: failures across accounts are cut at the limit; another IP is unaffected; even the right password is refused', async () => {
        const { slug } = await tenantWith({ loginFailuresPerIpPerHour: 3 });
        await h.user(slug, 'ipuser@example.com');
        for (let i = 0; i < 3; i++) expect(await login(slug, `spray${i}@example.com`, 'not the password at all', '203.0.113.5')).toEqual({ code: 'INVALID_CREDENTIALS' });
        const refused = await login(slug, 'ipuser@example.com', PASSWORD, '203.0.113.5');
        expect(refused.code).toBe('RATE_LIMITED');
        expect(refused.retryAfterSeconds).toBeGreaterThan(3500);
        expect(await login(slug, 'ipuser@example.com', PASSWORD, '203.0.113.6')).toEqual({ code: 'OK' });
      });
    });
  });
});
