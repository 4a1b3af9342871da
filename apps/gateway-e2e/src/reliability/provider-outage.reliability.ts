// A tenant's SMS provider goes away (503 answers, refused connections) and comes back; a provider that
// refuses a message for good; a primary that is down beside a healthy secondary. Starting a challenge
// must not depend on the provider; a transient outage must only delay the SMS (back-off, not a hot
// loop), a permanent refusal must end the challenge, and failover must carry the traffic meanwhile.
import { startWebhookReceiverFake, WebhookReceiverFake } from '@honnin/testing';
import { randomBytes } from 'node:crypto';
import {
  auditEventsOfType, createSmsTenant, createTenantWithProviders, eventually, Honnin, jpMobile, startEnrolment, startHonnin,
  verifySmsChallenge,
} from '../support/honnin';
import { BULK_SEND_LIMITS, codeOf, groupBy, outboxRows, readChallenge, StartedEnrolment } from './support/process-sms';
import { reportMeasurement, startSwitchablePort, SwitchablePort } from './support/processes';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CODE_LENGTH = 8;
const TTL_SECONDS = 120;
const POLICY = { otp: { length: CODE_LENGTH, ttlSeconds: TTL_SECONDS }, limits: BULK_SEND_LIMITS };
const OUTAGE_MS = 6000;
// The dispatcher's back-off doubles from 0.5 s (0, 0.5, 1.5, 3.5 s, ...): at most this many attempts
// fit in the outage. More would be a hot loop hammering a provider that is down.
const MAX_ATTEMPTS_IN_OUTAGE = 1 + Math.floor(Math.log2(OUTAGE_MS / 500 + 1));
// The breaker opens after 3 consecutive failures and lets a probe through after 30 s
// (DEFAULT_FAILURE_THRESHOLD, DEFAULT_OPEN_MS in libs/sms/src/routing/circuit-breaker.ts).
const CIRCUIT_FAILURE_THRESHOLD = 3;
const CIRCUIT_OPEN_MS = 30_000;
const CHALLENGE_WITH_EXPIRY = `query($id: ID!) { smsChallenge(id: $id) { status deliveryStatus expiresAt } }`;

describe('SMS provider outage and recovery', () => {
  let h: Honnin;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    h = await startHonnin();
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function receiver(): Promise<WebhookReceiverFake> {
    const started = await startWebhookReceiverFake({ secret: `whsec-${randomBytes(16).toString('hex')}` });
    closers.push(() => started.close());
    return started;
  }

  async function gateInFrontOf(target: WebhookReceiverFake): Promise<SwitchablePort> {
    const gate = await startSwitchablePort(target);
    closers.push(() => gate.close());
    return gate;
  }

  /** Resolves with the SMS to `phone` and the time it arrived. */
  function arrival(sms: WebhookReceiverFake, phone: string, timeoutMs: number) {
    return sms.next(phone, timeoutMs).then((message) => ({ message, at: Date.now() }));
  }

  /**
   * Starts `count` enrolments while the provider is down, brings it back after OUTAGE_MS, and checks
   * that each SMS then arrives once, before its code expires, under its outbox id, and verifies.
   */
  async function outageThenRecovery(sms: WebhookReceiverFake, tenant: { slug: string; id: string }, outage: { begin(): Promise<void>; end(): Promise<void> }, count: number) {
    await outage.begin();
    const outageBegan = Date.now();
    const challenges: Array<StartedEnrolment & { expiresAt: number }> = [];
    for (let i = 0; i < count; i += 1) {
      const phone = jpMobile();
      const started = await startEnrolment(h, tenant.slug, phone);
      const read = await h.gql.request(CHALLENGE_WITH_EXPIRY, { tenant: tenant.slug, token: started.token, variables: { id: started.challengeId } });
      expect(read.data?.['smsChallenge']).toMatchObject({ status: 'PENDING', deliveryStatus: 'PENDING' });
      challenges.push({ ...started, phone, expiresAt: Date.parse(read.data?.['smsChallenge']?.expiresAt) });
    }
    const arrivals = Promise.all(challenges.map((c) => arrival(sms, c.phone, OUTAGE_MS + 40_000)));
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageBegan)));
    const duringOutage = await outboxRows(h.db.url, tenant.id);
    expect(duringOutage.filter((row) => row.status !== 'PENDING')).toEqual([]);
    await outage.end();
    const recoveredAt = Date.now();
    const delivered = await arrivals;
    const rows = await eventually('every row recorded as sent', async () => {
      const all = await outboxRows(h.db.url, tenant.id);
      return all.every((row) => row.status === 'SENT') ? all : undefined;
    }, 10_000);

    const rowOf = new Map(rows.map((row) => [row.challengeId, row]));
    for (const [i, challenge] of challenges.entries()) {
      const { message, at } = delivered[i] as (typeof delivered)[number];
      const row = rowOf.get(challenge.challengeId);
      expect({ id: message.id, signed: message.signed, beforeExpiry: at < challenge.expiresAt }).toEqual({ id: row?.id, signed: true, beforeExpiry: true });
      const verified = await verifySmsChallenge(h, tenant.slug, challenge.token, challenge.challengeId, codeOf(message.body, CODE_LENGTH));
      expect(verified.data?.['verifySmsChallenge']?.session.aal).toBe('AAL2');
    }
    // Retried during the outage, with back-off rather than a hot loop.
    const attemptsInOutage = duringOutage.map((row) => row.attempts);
    expect(attemptsInOutage.filter((n) => n < 2 || n > MAX_ATTEMPTS_IN_OUTAGE)).toEqual([]);
    await sleep(1000);
    for (const [to, messages] of groupBy(sms.messages, (m) => m.to)) expect({ to, copies: messages.length }).toEqual({ to, copies: 1 });
    return {
      attemptsInOutage,
      recoveryMs: delivered.map(({ at }) => at - recoveredAt),
    };
  }

  it('a provider answering 503: starts succeed, the messages wait with back-off and arrive once it is back, before the codes expire', async () => {
    const sms = await receiver();
    const t = await createSmsTenant(h, sms, POLICY);
    const result = await outageThenRecovery(sms, t, {
      begin: async () => sms.behave({ mode: 'status', status: 503, body: { error: 'maintenance' } }),
      end: async () => sms.resetBehaviour(),
    }, 6);
    // Every failed post carried the message's own id: a receiver that saw one can deduplicate the rest.
    for (const [id, posts] of groupBy(sms.requests, (r) => (r.json as { id: string }).id)) {
      expect({ id, bodies: new Set(posts.map((p) => (p.json as { body: string }).body)).size }).toEqual({ id, bodies: 1 });
    }
    reportMeasurement('provider-outage 503', { outageMs: OUTAGE_MS, attemptsDuringOutage: result.attemptsInOutage, deliveredAfterRecoveryMs: result.recoveryMs });
  }, 90_000);

  it('a provider refusing connections: the same, once it listens again', async () => {
    const sms = await receiver();
    const gate = await gateInFrontOf(sms);
    const t = await createSmsTenant(h, { endpoint: `${gate.url}/sms`, secret: sms.secret }, POLICY);
    const result = await outageThenRecovery(sms, t, { begin: () => gate.shut(), end: () => gate.open() }, 6);
    reportMeasurement('provider-outage connection refused', { outageMs: OUTAGE_MS, attemptsDuringOutage: result.attemptsInOutage, deliveredAfterRecoveryMs: result.recoveryMs });
  }, 90_000);

  it.each([
    [400, 'invalid_recipient'],
    [404, 'invalid_recipient'],
    [422, 'invalid_recipient'],
    [401, 'auth_failed'],
    [403, 'auth_failed'],
    [410, 'misconfigured'],
  ])('a permanent %i is not retried: deliveryStatus FAILED, challenge UNDELIVERABLE, no code accepted', async (status, outcome) => {
    const sms = await receiver();
    const t = await createSmsTenant(h, sms, POLICY);
    sms.behave({ mode: 'status', status, body: { error: 'refused' } });
    const started = await startEnrolment(h, t.slug, jpMobile());
    const read = await eventually('the challenge leaves PENDING', async () => {
      const challenge = await readChallenge(h, t.slug, started.token, started.challengeId);
      return challenge?.['status'] !== 'PENDING' ? challenge : undefined;
    }, 10_000);
    expect(read).toMatchObject({ status: 'UNDELIVERABLE', deliveryStatus: 'FAILED' });
    const [row] = await outboxRows(h.db.url, t.id);
    expect(row).toMatchObject({ status: 'FAILED', attempts: 1, bodyCleared: true });
    expect(row?.lastOutcome).toMatch(new RegExp(`^${outcome}: webhook: HTTP ${status}$`));
    await sleep(1500);
    expect(sms.requests).toHaveLength(1);
    const code = codeOf((sms.requests[0]?.json as { body: string }).body, CODE_LENGTH);
    expect((await verifySmsChallenge(h, t.slug, started.token, started.challengeId, code)).code).toBe('CHALLENGE_NOT_FOUND');
  }, 30_000);

  it('primary down: failover sends through the secondary, the breaker stops trying the primary, and traffic returns once it is back', async () => {
    const [primary, secondary] = await Promise.all([receiver(), receiver()]);
    const t = await createTenantWithProviders(h, [
      { type: 'WEBHOOK', baseUrl: primary.endpoint, credentials: { secret: primary.secret } },
      { type: 'WEBHOOK', baseUrl: secondary.endpoint, credentials: { secret: secondary.secret } },
    ]);
    const [primaryId, secondaryId] = t.providerIds;
    const policy = await h.gql.request(`mutation($input: TenantPolicyInput!) { updateTenantPolicy(input: $input) { version } }`, { apiKey: t.apiKey, variables: { input: POLICY } });
    expect(policy.errors).toBeUndefined();
    primary.behave({ mode: 'status', status: 503, body: { error: 'down' } });
    const down = Date.now();

    // One at a time, so each send sees the breaker as the previous one left it.
    const handOffMs: number[] = [];
    for (let i = 0; i < CIRCUIT_FAILURE_THRESHOLD + 3; i += 1) {
      const phone = jpMobile();
      const startedAt = Date.now();
      const started = await startEnrolment(h, t.slug, phone);
      const { message, at } = await arrival(secondary, phone, 10_000);
      handOffMs.push(at - startedAt);
      const verified = await verifySmsChallenge(h, t.slug, started.token, started.challengeId, codeOf(message.body, CODE_LENGTH));
      expect(verified.data?.['verifySmsChallenge']?.session.aal).toBe('AAL2');
    }
    const viaSecondary = await eventually('every row recorded as sent', async () => {
      const rows = await outboxRows(h.db.url, t.id);
      return rows.every((row) => row.status === 'SENT') ? rows : undefined;
    }, 10_000);
    expect(viaSecondary.map((row) => ({ attempts: row.attempts, provider: row.providerConfigId })))
      .toEqual(Array(CIRCUIT_FAILURE_THRESHOLD + 3).fill({ attempts: 1, provider: secondaryId }));
    expect(primary.requests).toHaveLength(CIRCUIT_FAILURE_THRESHOLD);
    const opened = await auditEventsOfType(h, t.apiKey, 'sms_provider.circuit_changed');
    expect(opened.map((e) => e.details)).toEqual([expect.objectContaining({ providerId: primaryId, from: 'closed', to: 'open' })]);

    // Back: after the breaker's open period one send probes the primary, then it carries the traffic again.
    primary.resetBehaviour();
    const back = Date.now();
    // One send a second until the probe reaches the primary.
    while (primary.messages.length === 0) {
      expect(Date.now() - back).toBeLessThan(CIRCUIT_OPEN_MS + 15_000);
      await startEnrolment(h, t.slug, jpMobile());
      await sleep(1000);
    }
    const backOnPrimaryAfterMs = Date.now() - back;
    const phone = jpMobile();
    await startEnrolment(h, t.slug, phone);
    const { message } = await arrival(primary, phone, 10_000);
    expect(message.to).toBe(phone);
    const transitions = await eventually('the breaker closed again', async () => {
      const events = (await auditEventsOfType(h, t.apiKey, 'sms_provider.circuit_changed')).reverse();
      return events.length >= 3 ? events.map((e) => `${e.details['from']}->${e.details['to']}`) : undefined;
    });
    expect(transitions).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
    reportMeasurement('provider-outage failover', {
      handOffViaSecondaryMs: handOffMs, primaryPostsWhileDown: primary.requests.length - primary.messages.length,
      backOnPrimaryAfterRecoveryMs: backOnPrimaryAfterMs, primaryDownForMs: back - down,
    });
  }, 120_000);
});
