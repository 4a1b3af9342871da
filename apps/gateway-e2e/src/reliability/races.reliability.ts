// Race battery: many requests at once on one account or one challenge, as a double-clicking user, a
// retrying client or an attacker would send them. Each race checks the answers (typed, never INTERNAL
// or 5xx), the winners (exactly as many as the rules allow) and the rows the race left behind.
import { codeInBody, GraphqlResult, startWebhookReceiverFake, WebhookReceiverFake, withDatabase } from '@honnin/testing';
import { randomBytes } from 'node:crypto';
import {
  createSmsTenant, createTenant, Honnin, jpMobile, LOGIN, ME, PASSWORD, RESEND_SMS_CHALLENGE, SIGN_UP, signUp, startHonnin,
  startSmsChallenge, UPDATE_POLICY, verifySmsChallenge,
} from '../support/honnin';
import { contractViolations, outcomeOf } from './support/fuzz-public-contract';

/** The policy's maxima for every counter these races do not test, so 127.0.0.1 sending all of them trips nothing. */
const HIGH_LIMITS = {
  sendsPerPhonePerHour: 100, sendsPerPhonePerDay: 1000, sendsPerUserPerHour: 100, sendsPerIpPerHour: 10_000,
  sendsPerTenantPerHour: 1_000_000, sendsPerTenantPerDay: 10_000_000, prefixBurstMinimum: 100_000,
  verifyFailuresPerUserPerHour: 100, loginFailuresPerAccount: 100, loginFailuresPerIpPerHour: 100_000,
};
const MAX_ATTEMPTS = 10;
const MAX_SENDS = 3;

/** An answer as the client gives it: read field by field, its shape the schema's rather than a TypeScript type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = GraphqlResult<Record<string, any>>;

/** Fisher-Yates: the order requests leave in must not decide the outcome. */
function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** `count` different codes of `code`'s length, none of them `code`. */
function wrongCodes(code: string, count: number): string[] {
  const modulus = 10 ** code.length;
  return Array.from({ length: count }, (_, i) => String((Number(code) + 1 + i) % modulus).padStart(code.length, '0'));
}

function expectContractKept(results: GraphqlResult[]): void {
  const broken = results.map((r) => contractViolations(r, '')).flatMap((problems, i) => problems.map((p) => `request ${i}: ${p}: ${results[i].raw.slice(0, 300)}`));
  expect(broken).toEqual([]);
}

function tally(results: GraphqlResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[outcomeOf(r)] = (counts[outcomeOf(r)] ?? 0) + 1;
  return counts;
}

const sql = <T extends Record<string, unknown>>(h: Honnin, text: string, params: unknown[]): Promise<T[]> =>
  withDatabase(h.db.url, async (c) => (await c.query(text, params)).rows as T[]);

describe('races on one account', () => {
  let h: Honnin;
  let receiver: WebhookReceiverFake;
  let tenant: { slug: string; id: string; apiKey: string };

  beforeAll(async () => {
    [h, receiver] = await Promise.all([startHonnin(), startWebhookReceiverFake({ secret: `whsec-${randomBytes(16).toString('hex')}` })]);
    tenant = await createSmsTenant(h, receiver, {
      limits: HIGH_LIMITS,
      otp: { maxAttempts: MAX_ATTEMPTS, resendCooldownSeconds: 0, maxSendsPerChallenge: MAX_SENDS },
    });
  });
  afterAll(async () => {
    await receiver?.close();
    await h?.stop();
  });

  /** A user who enrolled `phone`; the user's id and a fresh AAL1 session token. */
  async function userWithPhone(phone: string): Promise<{ userId: string; loginId: string; token: string }> {
    const loginId = `racer-${randomBytes(4).toString('hex')}@example.com`;
    const up = await h.gql.request(SIGN_UP.replace('user { id loginId }', 'user { id loginId } smsChallenge { id }'), {
      tenant: tenant.slug, variables: { input: { loginId, password: PASSWORD, phoneNumber: phone } },
    });
    if (!up.data) throw new Error(`signUp failed: ${up.raw}`);
    const code = codeInBody((await receiver.next(phone)).body) ?? '';
    const enrolled = await verifySmsChallenge(h, tenant.slug, up.data['signUp'].sessionToken, up.data['signUp'].smsChallenge.id, code);
    if (!enrolled.data) throw new Error(`enrolment failed: ${enrolled.raw}`);
    return { userId: up.data['signUp'].user.id, loginId, token: await freshSession(loginId) };
  }

  async function freshSession(loginId: string): Promise<string> {
    const r = await h.gql.request(LOGIN, { tenant: tenant.slug, variables: { input: { loginId, password: PASSWORD } } });
    if (!r.data) throw new Error(`login failed: ${r.raw}`);
    return r.data['login'].sessionToken;
  }

  /**
   * `right` + `wrong` verifies of one new step-up at once. Whatever the order: at most one success and
   * only with the right code, at most maxAttempts attempts judged, each with its own place on the
   * counter, and the counter, the audit trail and the sessions agree with the answers.
   */
  async function raceVerifies(right: number, wrong: number): Promise<{ successes: number; invalid: number }> {
    const phone = jpMobile();
    const { userId, token } = await userWithPhone(phone);
    const started = await startSmsChallenge(h, tenant.slug, token, { purpose: 'STEP_UP' });
    const id: string = started.data?.['startSmsChallenge'].id;
    const code = codeInBody((await receiver.next(phone)).body) ?? '';
    const [{ n: sessionsBefore }] = await sql<{ n: number }>(h, `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`, [userId]);

    const guesses = shuffled([...Array.from({ length: right }, () => code), ...wrongCodes(code, wrong)]);
    const results = await Promise.all(guesses.map((guess) => verifySmsChallenge(h, tenant.slug, token, id, guess)));
    expectContractKept(results);
    const counts = tally(results);
    expect(Object.keys(counts).filter((c) => !['OK', 'INVALID_CODE', 'TOO_MANY_ATTEMPTS', 'CHALLENGE_NOT_FOUND', 'UNAUTHENTICATED'].includes(c))).toEqual([]);
    const successes = counts['OK'] ?? 0;
    expect(successes).toBeLessThanOrEqual(1);
    expect(results.filter((r, i) => outcomeOf(r) === 'OK' && guesses[i] !== code)).toEqual([]);
    const invalid = results.filter((r, i) => outcomeOf(r) === 'INVALID_CODE' && guesses[i] !== code);
    expect(invalid).toHaveLength(counts['INVALID_CODE'] ?? 0);
    // Attempts 1..maxAttempts are judged, each by one request: a wrong one answers INVALID_CODE with its own remainder.
    const remaining = invalid.map((r) => r.errors?.[0].extensions?.['attemptsRemaining'] as number).sort((a, b) => b - a);
    expect(new Set(remaining).size).toBe(remaining.length);
    for (const left of remaining) expect(left >= 0 && left < MAX_ATTEMPTS).toBe(true);
    // Without a success every judged attempt was a wrong one; with it, the judged ones were fewer than maxAttempts + 1.
    if (successes === 0) expect(remaining).toEqual(Array.from({ length: MAX_ATTEMPTS }, (_, i) => MAX_ATTEMPTS - 1 - i));
    else expect(invalid.length + successes).toBeLessThanOrEqual(MAX_ATTEMPTS);

    const [row] = await sql<{ status: string; attempts: number }>(h, `SELECT status, attempts FROM sms_challenges WHERE id = $1`, [id]);
    expect(row.status).toBe(successes ? 'VERIFIED' : 'PENDING');
    // Counted: every judged or over-the-limit attempt; a loser of the final UPDATE (CHALLENGE_NOT_FOUND) may have been too.
    const counted = invalid.length + successes + (counts['TOO_MANY_ATTEMPTS'] ?? 0);
    expect(row.attempts).toBeGreaterThanOrEqual(counted);
    expect(row.attempts).toBeLessThanOrEqual(counted + (counts['CHALLENGE_NOT_FOUND'] ?? 0));
    const audited = await sql<{ type: string; n: number }>(h, `SELECT type, count(*)::int AS n FROM audit_events WHERE details->>'challengeId' = $1 GROUP BY type`, [id]);
    const auditCounts = Object.fromEntries(audited.map((a) => [a.type, a.n]));
    expect(auditCounts['sms_challenge.verified'] ?? 0).toBe(successes);
    expect(auditCounts['sms_challenge.verify_failed'] ?? 0).toBe(invalid.length + (counts['TOO_MANY_ATTEMPTS'] ?? 0));

    const [{ n: sessionsAfter }] = await sql<{ n: number }>(h, `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`, [userId]);
    expect(sessionsAfter).toBe(sessionsBefore + successes);
    const winner = results.find((r) => outcomeOf(r) === 'OK');
    if (winner) {
      expect((await h.gql.request(ME, { tenant: tenant.slug, token: winner.data?.['verifySmsChallenge'].sessionToken })).data?.['me'].session.aal).toBe('AAL2');
      expect((await h.gql.request(ME, { tenant: tenant.slug, token })).code).toBe('UNAUTHENTICATED');
    }
    return { successes, invalid: invalid.length };
  }

  it('20 parallel verifies of one step-up, 11 right and 9 wrong: exactly one success', async () => {
    // Nine wrong codes cannot use up ten attempts, so one right code is always judged and wins.
    expect(await raceVerifies(11, 9)).toMatchObject({ successes: 1 });
  });

  it('30 parallel verifies of one step-up, 5 right and 25 wrong: never more than maxAttempts judged, at most one success', async () => {
    const { successes, invalid } = await raceVerifies(5, 25);
    expect(successes + invalid).toBeLessThanOrEqual(MAX_ATTEMPTS);
  });

  it('3 bursts of 10 parallel resends of one challenge: sends reach maxSendsPerChallenge and no further, attempts are kept, only the newest code works', async () => {
    const phone = jpMobile();
    const { token } = await userWithPhone(phone);
    const started = await startSmsChallenge(h, tenant.slug, token, { purpose: 'STEP_UP' });
    const id: string = started.data?.['startSmsChallenge'].id;
    const first = await receiver.next(phone);
    const firstCode = codeInBody(first.body) ?? '';
    for (const wrong of wrongCodes(firstCode, 2)) expect((await verifySmsChallenge(h, tenant.slug, token, id, wrong)).code).toBe('INVALID_CODE');

    // A resend wins only while the send count it read is current, so each burst adds at least one send
    // and never more than the limit allows: after two bursts it is reached, and the third is refused whole.
    const bursts: Answer[][] = [];
    for (let burst = 0; burst < 3; burst++) {
      bursts.push(await Promise.all(Array.from({ length: 10 }, () => h.gql.request(RESEND_SMS_CHALLENGE, { tenant: tenant.slug, token, variables: { id } }))));
    }
    const results = bursts.flat();
    expectContractKept(results);
    expect(Object.keys(tally(results)).filter((c) => !['OK', 'RATE_LIMITED'].includes(c))).toEqual([]);
    const resent = tally(results)['OK'] ?? 0;
    expect(resent).toBe(MAX_SENDS - 1);
    expect(tally(bursts[2])).toEqual({ RATE_LIMITED: 10 });
    for (const r of results.filter((r) => outcomeOf(r) === 'OK')) expect(r.data?.['resendSmsChallenge'].attemptsRemaining).toBe(MAX_ATTEMPTS - 2);

    const [row] = await sql<{ sends: number; attempts: number; last_sent_at: Date }>(h, `SELECT sends, attempts, last_sent_at FROM sms_challenges WHERE id = $1`, [id]);
    expect({ sends: row.sends, attempts: row.attempts }).toEqual({ sends: 1 + resent, attempts: 2 });
    // Each winning resend queued one message and cancelled the older ones still waiting; wait until none waits.
    const outbox = await eventuallySettled(id, 1 + resent);
    const newest = outbox.filter((m) => m.created_at.getTime() === row.last_sent_at.getTime());
    expect(newest).toHaveLength(1);
    expect(newest[0].status).toBe('SENT');

    const sentIds = new Set(outbox.filter((m) => m.status === 'SENT').map((m) => m.id));
    const received = await eventuallyReceived(phone, sentIds);
    const newestCode = codeInBody(received.find((m) => m.id === newest[0].id)?.body ?? '') ?? '';
    const olderCodes = [firstCode, ...received.filter((m) => m.id !== newest[0].id && m.id !== first.id).map((m) => codeInBody(m.body) ?? '')];
    let attemptsLeft = MAX_ATTEMPTS - 2;
    for (const older of olderCodes.filter((c) => c !== newestCode)) {
      const r = await verifySmsChallenge(h, tenant.slug, token, id, older);
      attemptsLeft -= 1;
      expect({ code: r.code, attemptsRemaining: r.errors?.[0].extensions?.['attemptsRemaining'] }).toEqual({ code: 'INVALID_CODE', attemptsRemaining: attemptsLeft });
    }
    const verified = await verifySmsChallenge(h, tenant.slug, token, id, newestCode);
    expect(verified.data?.['verifySmsChallenge'].session.aal).toBe('AAL2');
  });

  /** The challenge's outbox rows once none is PENDING, oldest first; fails unless there are `expected` of them. */
  async function eventuallySettled(challengeId: string, expected: number) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const rows = await sql<{ id: string; status: string; created_at: Date }>(h, `SELECT id, status, created_at FROM sms_outbox WHERE challenge_id = $1 ORDER BY created_at`, [challengeId]);
      if (rows.every((m) => m.status !== 'PENDING')) {
        expect(rows).toHaveLength(expected);
        return rows;
      }
      if (Date.now() > deadline) throw new Error(`outbox of ${challengeId} still pending: ${JSON.stringify(rows)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Every message to `phone` whose id is one of `ids`, once all of them arrived. */
  async function eventuallyReceived(phone: string, ids: Set<string>) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const received = receiver.messages.filter((m) => m.to === phone && ids.has(m.id));
      if (received.length === ids.size) return received;
      if (Date.now() > deadline) throw new Error(`received ${received.length} of ${ids.size} messages to the phone`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('16 parallel logins, 8 right and 8 wrong: sessions only for the right ones; then 12 wrong at once pass the failure budget exactly once', async () => {
    const loginId = `login-racer-${randomBytes(4).toString('hex')}@example.com`;
    await signUp(h, tenant.slug, loginId);
    const userId = (await sql<{ id: string }>(h, `SELECT id FROM users WHERE tenant_id = $1 AND login_id = $2`, [tenant.id, loginId]))[0].id;
    const countSessions = async () => (await sql<{ n: number }>(h, `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`, [userId]))[0].n;
    const sessionsBefore = await countSessions();

    const passwords = shuffled([...Array.from({ length: 8 }, () => PASSWORD), ...Array.from({ length: 8 }, (_, i) => `${PASSWORD} wrong ${i}`)]);
    const mixed = await Promise.all(passwords.map((password) => h.gql.request(LOGIN, { tenant: tenant.slug, variables: { input: { loginId, password } } })));
    expectContractKept(mixed);
    expect(mixed.map((r, i) => [passwords[i] === PASSWORD, outcomeOf(r)])).toEqual(passwords.map((p) => [p === PASSWORD, p === PASSWORD ? 'OK' : 'INVALID_CREDENTIALS']));
    const tokens = new Set(mixed.filter((r) => outcomeOf(r) === 'OK').map((r) => r.data?.['login'].sessionToken));
    expect(tokens.size).toBe(8);
    expect(await countSessions()).toBe(sessionsBefore + 8);
    const logins = await sql<{ outcome: string; n: number }>(h, `SELECT outcome, count(*)::int AS n FROM audit_events WHERE type = 'login' AND user_id = $1 GROUP BY outcome`, [userId]);
    expect(Object.fromEntries(logins.map((l) => [l.outcome, l.n]))).toEqual({ success: 8, failure: 8 });

    // With a budget of 5 failures the account lets exactly budget + 1 guesses of a burst reach the hash.
    const budget = 5;
    expect((await h.gql.request(UPDATE_POLICY, { apiKey: tenant.apiKey, variables: { input: { limits: { ...HIGH_LIMITS, loginFailuresPerAccount: budget } } } })).errors).toBeUndefined();
    try {
      await freshSession(loginId);
      const sessionsBeforeBurst = await countSessions();
      const burst = await Promise.all(
        Array.from({ length: 12 }, (_, i) => h.gql.request(LOGIN, { tenant: tenant.slug, variables: { input: { loginId, password: `not the password ${i} ...` } } })),
      );
      expectContractKept(burst);
      expect(tally(burst)).toEqual({ INVALID_CREDENTIALS: budget + 1, RATE_LIMITED: 12 - budget - 1 });
      for (const r of burst.filter((r) => outcomeOf(r) === 'RATE_LIMITED')) expect(r.errors?.[0].extensions?.['retryAfterSeconds']).toBeGreaterThanOrEqual(1);
      expect(await countSessions()).toBe(sessionsBeforeBurst);
    } finally {
      await h.gql.request(UPDATE_POLICY, { apiKey: tenant.apiKey, variables: { input: { limits: HIGH_LIMITS } } });
    }
  });

  it('10 parallel step-ups for one user all start, each with its own challenge and message; with 3 sends per user an hour, exactly 3 of 10 enrolments', async () => {
    const phone = jpMobile();
    const { userId, token } = await userWithPhone(phone);
    const results = await Promise.all(Array.from({ length: 10 }, () => startSmsChallenge(h, tenant.slug, token, { purpose: 'STEP_UP' })));
    expectContractKept(results);
    expect(tally(results)).toEqual({ OK: 10 });
    const ids = new Set(results.map((r) => r.data?.['startSmsChallenge'].id));
    expect(ids.size).toBe(10);
    const rows = await sql<{ id: string; outbox: number }>(
      h, `SELECT c.id, (SELECT count(*)::int FROM sms_outbox o WHERE o.challenge_id = c.id) AS outbox FROM sms_challenges c WHERE c.user_id = $1 AND c.purpose = 'STEP_UP'`, [userId],
    );
    expect(new Set(rows.map((r) => r.id))).toEqual(ids);
    expect(rows.map((r) => r.outbox)).toEqual(rows.map(() => 1));
    for (let i = 0; i < 10; i++) await receiver.next(phone, 10_000);

    const limited = await createSmsTenant(h, receiver, { limits: { ...HIGH_LIMITS, sendsPerUserPerHour: 3 } });
    const enroller = await signUp(h, limited.slug, 'enroller@example.com');
    const phones = Array.from({ length: 10 }, () => jpMobile());
    const enrolments = await Promise.all(phones.map((phoneNumber) => startSmsChallenge(h, limited.slug, enroller, { purpose: 'ENROLL_PHONE', phoneNumber })));
    expectContractKept(enrolments);
    expect(tally(enrolments)).toEqual({ OK: 3, RATE_LIMITED: 7 });
    const [{ challenges, outbox }] = await sql<{ challenges: number; outbox: number }>(
      h, `SELECT (SELECT count(*)::int FROM sms_challenges WHERE tenant_id = $1) AS challenges, (SELECT count(*)::int FROM sms_outbox WHERE tenant_id = $1) AS outbox`, [limited.id],
    );
    expect({ challenges, outbox }).toEqual({ challenges: 3, outbox: 3 });
  });

  it('8 parallel policy updates with the same expectedVersion: exactly one wins and is what is stored', async () => {
    const t = await createTenant(h);
    const version: number = (await h.gql.request(`{ tenantPolicy { version } }`, { apiKey: t.apiKey })).data?.['tenantPolicy'].version;
    const lengths = [6, 7, 8, 9, 10, 7, 8, 9];
    const results = await Promise.all(lengths.map((length) => h.gql.request(UPDATE_POLICY, { apiKey: t.apiKey, variables: { input: { expectedVersion: version, otp: { length } } } })));
    expectContractKept(results);
    expect(tally(results)).toEqual({ OK: 1, BAD_USER_INPUT: 7 });
    for (const r of results.filter((r) => r.errors)) expect(r.errors?.[0].extensions?.['fields']).toEqual([{ field: 'expectedVersion', message: `the policy was changed meanwhile; the current version is ${version + 1}` }]);
    const winner = results.find((r) => !r.errors)?.data?.['updateTenantPolicy'];
    expect(winner.version).toBe(version + 1);
    const stored = await sql<{ version: number; length: number }>(h, `SELECT version, (document->'otp'->>'length')::int AS length FROM tenant_policy_versions WHERE tenant_id = $1 ORDER BY version`, [t.id]);
    expect(stored.map((s) => s.version)).toEqual([version, version + 1]);
    expect(stored[1].length).toBe(winner.otp.length);
    expect((await h.gql.request(`{ tenantPolicy { version otp { length } } }`, { apiKey: t.apiKey })).data?.['tenantPolicy']).toEqual({ version: version + 1, otp: { length: winner.otp.length } });
  });

  it('6 parallel sign-ups of one login id: one account, the others refused as BAD_USER_INPUT', async () => {
    const loginId = `twin-${randomBytes(4).toString('hex')}@example.com`;
    const results = await Promise.all(Array.from({ length: 6 }, () => h.gql.request(SIGN_UP, { tenant: tenant.slug, variables: { input: { loginId, password: PASSWORD } } })));
    expectContractKept(results);
    expect(tally(results)).toEqual({ OK: 1, BAD_USER_INPUT: 5 });
    const [{ n }] = await sql<{ n: number }>(h, `SELECT count(*)::int AS n FROM users WHERE tenant_id = $1 AND login_id = $2`, [tenant.id, loginId]);
    expect(n).toBe(1);
  });
});
