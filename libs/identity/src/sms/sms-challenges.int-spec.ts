import { IdentityError } from '../errors/identity-error';
import { IdentityHarness, wrongCode } from '../test/identity-harness';


async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof IdentityError) return error.code;
    throw error;
  }
  return 'NO_ERROR';
}

describe('SMS challenges on a real database', () => {
  const h = new IdentityHarness();
  let PHONE_A: string;
  let PHONE_B: string;
  beforeAll(() => h.start());
  beforeEach(() => {
    PHONE_A = h.newPhone();
    PHONE_B = h.newPhone();
  });
  afterAll(() => h.stop());

  it('50 parallel verifies of the right code: exactly one succeeds', async () => {
    await h.tenant('race');
    const { viewer } = await h.user('race', 'racer@example.com');
    const challenge = await h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: PHONE_A });
    const code = await h.codeSentTo(PHONE_A);
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => h.identity.smsChallenges.verify(viewer, { challengeId: challenge.id, code })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const codes = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as IdentityError).code] : []));
    expect(codes.every((c) => ['CHALLENGE_NOT_FOUND', 'TOO_MANY_ATTEMPTS', 'INVALID_CODE'].includes(c))).toBe(true);
  });

  it('5 wrong codes, then the right one: TOO_MANY_ATTEMPTS; a resend gives no new attempts and kills the old code', async () => {
    const { admin } = await h.tenant('attempts');
    await h.identity.policies.update(admin.tenant.id, { otp: { resendCooldownSeconds: 0 } }, { apiKeyId: admin.apiKeyId, at: h.clock.now() });
    const { viewer } = await h.user('attempts', 'guesser@example.com');
    const first = await h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: PHONE_A });
    const firstCode = await h.codeSentTo(PHONE_A);
    await expect(h.identity.smsChallenges.verify(viewer, { challengeId: first.id, code: wrongCode(firstCode) })).rejects.toMatchObject({ code: 'INVALID_CODE', details: { attemptsRemaining: 4 } });
    const resent = await h.identity.smsChallenges.resend(viewer, first.id);
    expect(resent.attemptsRemaining).toBe(4);
    const secondCode = await h.codeSentTo(PHONE_A);
    if (secondCode !== firstCode) expect(await errorCode(h.identity.smsChallenges.verify(viewer, { challengeId: first.id, code: firstCode }))).toBe('INVALID_CODE');
    const remaining: number[] = [];
    while ((await h.identity.smsChallenges.get(viewer, first.id))?.attemptsRemaining) {
      try {
        await h.identity.smsChallenges.verify(viewer, { challengeId: first.id, code: wrongCode(secondCode) });
      } catch (error) {
        remaining.push(Number((error as IdentityError).details['attemptsRemaining']));
      }
    }
    expect(remaining.at(-1)).toBe(0);
    expect(await errorCode(h.identity.smsChallenges.verify(viewer, { challengeId: first.id, code: secondCode }))).toBe('TOO_MANY_ATTEMPTS');
    expect(await errorCode(h.identity.smsChallenges.resend(viewer, first.id))).toBe('TOO_MANY_ATTEMPTS');
    expect((await h.identity.smsChallenges.get(viewer, first.id))?.status).toBe('EXHAUSTED');
  });

  it('an expired code gets CODE_EXPIRED and does not raise the session', async () => {
    await h.tenant('expiry');
    const { token, viewer } = await h.user('expiry', 'late@example.com');
    const challenge = await h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: PHONE_A });
    const code = await h.codeSentTo(PHONE_A);
    h.clock.advance(301);
    expect(await errorCode(h.identity.smsChallenges.verify(viewer, { challengeId: challenge.id, code }))).toBe('CODE_EXPIRED');
    const after = await h.viewer('expiry', token);
    expect(after.aal).toBe('AAL1');
    expect(after.user.phoneE164).toBeNull();
  });

  it('binds a challenge to its user, session and tenant, and a code to its challenge', async () => {
    await h.tenant('owner-a');
    await h.tenant('owner-b');
    const alice = await h.user('owner-a', 'alice@example.com');
    const mallory = await h.user('owner-a', 'mallory@example.com');
    const outsider = await h.user('owner-b', 'alice@example.com');
    const challenge = await h.identity.smsChallenges.start(alice.viewer, { purpose: 'ENROLL_PHONE', phoneNumber: PHONE_A });
    const code = await h.codeSentTo(PHONE_A);
    for (const other of [mallory.viewer, outsider.viewer]) {
      expect(await errorCode(h.identity.smsChallenges.verify(other, { challengeId: challenge.id, code }))).toBe('CHALLENGE_NOT_FOUND');
      expect(await h.identity.smsChallenges.get(other, challenge.id)).toBeNull();
      expect(await errorCode(h.identity.smsChallenges.resend(other, challenge.id))).toBe('CHALLENGE_NOT_FOUND');
    }
    const secondSession = await h.viewer('owner-a', (await h.identity.accounts.login({ tenantSlug: 'owner-a', ip: null, userAgent: null }, { loginId: 'alice@example.com', password: 'correct horse battery staple 42' })).token);
    expect(await errorCode(h.identity.smsChallenges.verify(secondSession, { challengeId: challenge.id, code }))).toBe('CHALLENGE_NOT_FOUND');
    const other = await h.identity.smsChallenges.start(alice.viewer, { purpose: 'ENROLL_PHONE', phoneNumber: PHONE_B });
    const otherCode = await h.codeSentTo(PHONE_B);
    if (otherCode !== code) expect(await errorCode(h.identity.smsChallenges.verify(alice.viewer, { challengeId: other.id, code }))).toBe('INVALID_CODE');
    expect((await h.identity.smsChallenges.get(alice.viewer, challenge.id))?.attemptsRemaining).toBe(5);
  });

  it('refuses landlines, premium numbers and disallowed countries before sending anything', async () => {
    const { admin } = await h.tenant('phones');
    await h.identity.policies.update(admin.tenant.id, { phone: { allowedCountries: ['JP'] } }, { apiKeyId: admin.apiKeyId, at: h.clock.now() });
    const { viewer } = await h.user('phones', 'phoney@example.com');
    const sentBefore = h.sent.length;
    for (const [number, reason] of [['+81312345678', 'NUMBER_TYPE'], ['+81990123456', 'NUMBER_TYPE'], ['+12025550123', 'COUNTRY'], ['+447911123456', 'COUNTRY']]) {
      await expect(h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: number })).rejects.toMatchObject({ code: 'PHONE_NOT_ALLOWED', details: { reason } });
    }
    await h.dispatcher.drain();
    expect(h.sent.length).toBe(sentBefore);
    const [{ n }] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM sms_challenges WHERE tenant_id = $1`, [admin.tenant.id]);
    expect(n).toBe(0);
  });

  it('tells PHONE_ALREADY_IN_USE only to whoever proves possession, and never attaches the number', async () => {
    await h.tenant('unique');
    const owner = await h.user('unique', 'owner@example.com');
    await h.enrol('unique', owner.viewer, PHONE_A);
    const other = await h.user('unique', 'other@example.com');
    const challenge = await h.identity.smsChallenges.start(other.viewer, { purpose: 'ENROLL_PHONE', phoneNumber: PHONE_A });
    expect(challenge.maskedPhoneNumber).toMatch(/^\+81 90-\*{4}-\d{4}$/);
    expect(challenge.maskedPhoneNumber.endsWith(PHONE_A.slice(-4))).toBe(true);
    const code = await h.codeSentTo(PHONE_A);
    expect(await errorCode(h.identity.smsChallenges.verify(other.viewer, { challengeId: challenge.id, code: wrongCode(code) }))).toBe('INVALID_CODE');
    expect(await errorCode(h.identity.smsChallenges.verify(other.viewer, { challengeId: challenge.id, code }))).toBe('PHONE_ALREADY_IN_USE');
    expect((await h.viewer('unique', other.token)).user.phoneE164).toBeNull();
    expect((await h.identity.smsChallenges.get(other.viewer, challenge.id))?.status).toBe('CANCELLED');
  });

  it('step-up: a new AAL2 token replaces the old one; AAL2 lapses after the idle limit', async () => {
    await h.tenant('stepup');
    const user = await h.user('stepup', 'stepper@example.com');
    const enrolled = await h.enrol('stepup', user.viewer, PHONE_B);
    expect(enrolled.viewer.aal).toBe('AAL2');
    expect((await h.viewer('stepup', user.token)).aal).toBe('AAL1');
    const login = await h.identity.accounts.login({ tenantSlug: 'stepup', ip: null, userAgent: null }, { loginId: 'stepper@example.com', password: 'correct horse battery staple 42' });
    expect(login.nextStep).toBe('NONE');
    const viewer = await h.viewer('stepup', login.token);
    const typed = `0${PHONE_B.slice(3, 5)}-${PHONE_B.slice(5, 9)}-${PHONE_B.slice(9)}`;
    const challenge = await h.identity.smsChallenges.start(viewer, { purpose: 'STEP_UP', phoneNumber: typed });
    const verified = await h.identity.smsChallenges.verify(viewer, { challengeId: challenge.id, code: await h.codeSentTo(PHONE_B) });
    expect(verified.session.amr).toEqual(['pwd', 'sms', 'mfa']);
    await expect(h.viewer('stepup', login.token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const raised = await h.viewer('stepup', verified.token);
    expect(raised.aal).toBe('AAL2');
    expect((await h.identity.authorizer.authorize(raised, 'account.change_password')).allowed).toBe(true);
    h.clock.advance(1801);
    const lapsed = await h.viewer('stepup', verified.token);
    expect(lapsed.aal).toBe('AAL1');
    expect((await h.identity.authorizer.authorize(lapsed, 'account.change_password')).reason).toBe('STEP_UP_REQUIRED');
  });

  it('resend: cooldown and send limit answer RATE_LIMITED with retryAfterSeconds', async () => {
    await h.tenant('resend');
    const { viewer } = await h.user('resend', 'impatient@example.com');
    const challenge = await h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: PHONE_A });
    await expect(h.identity.smsChallenges.resend(viewer, challenge.id)).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 30 } });
    h.clock.advance(30);
    await h.identity.smsChallenges.resend(viewer, challenge.id);
    h.clock.advance(30);
    const third = await h.identity.smsChallenges.resend(viewer, challenge.id);
    expect(third.resendAvailableAt).toBeNull();
    h.clock.advance(30);
    await expect(h.identity.smsChallenges.resend(viewer, challenge.id)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('changing a verified number needs AAL2 and notifies the old number without a code', async () => {
    await h.tenant('change');
    const user = await h.user('change', 'mover@example.com');
    await h.enrol('change', user.viewer, PHONE_A);
    const aal1 = await h.viewer('change', user.token);
    const refreshed = { ...aal1, user: { ...aal1.user, phoneE164: PHONE_A } };
    await expect(h.identity.smsChallenges.start(refreshed, { purpose: 'ENROLL_PHONE', phoneNumber: PHONE_B })).rejects.toMatchObject({
      code: 'INSUFFICIENT_AUTHENTICATION', details: { requiredAal: 'AAL2', maxAgeSeconds: 300 },
    });
    const login = await h.identity.accounts.login({ tenantSlug: 'change', ip: null, userAgent: null }, { loginId: 'mover@example.com', password: 'correct horse battery staple 42' });
    const viewer = await h.viewer('change', login.token);
    const stepUp = await h.identity.smsChallenges.start(viewer, { purpose: 'STEP_UP' });
    const raised = await h.viewer('change', (await h.identity.smsChallenges.verify(viewer, { challengeId: stepUp.id, code: await h.codeSentTo(PHONE_A) })).token);
    const moved = await h.enrol('change', raised, PHONE_B);
    expect(moved.viewer.user.phoneE164).toBe(PHONE_B);
    await h.dispatcher.drain();
    const notice = [...h.sent].reverse().find((m) => m.to === PHONE_A);
    expect(notice?.body).not.toMatch(/\d{6}/);
    expect(notice?.body).toMatch(/電話番号|phone/);
  });

  it('counts wrong codes per user across challenges (verifyFailuresPerUserPerHour)', async () => {
    const { admin } = await h.tenant('budget');
    await h.identity.policies.update(admin.tenant.id, { limits: { verifyFailuresPerUserPerHour: 3 } }, { apiKeyId: admin.apiKeyId, at: h.clock.now() });
    const { viewer } = await h.user('budget', 'spray@example.com');
    for (let i = 0; i < 3; i++) {
      const c = await h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: PHONE_A });
      expect(await errorCode(h.identity.smsChallenges.verify(viewer, { challengeId: c.id, code: wrongCode(await h.codeSentTo(PHONE_A)) }))).toBe('INVALID_CODE');
    }
    const fresh = await h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: PHONE_A });
    expect(await errorCode(h.identity.smsChallenges.verify(viewer, { challengeId: fresh.id, code: await h.codeSentTo(PHONE_A) }))).toBe('TOO_MANY_ATTEMPTS');
    // The budget is a rate-limit counter whose window the store times with Date.now: only Date is
    // faked (an hour on), timers stay real for the database driver.
    h.clock.advance(3601);
    jest.useFakeTimers({ now: Date.now() + 3601_000, doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    try {
      const later = await h.identity.smsChallenges.start(viewer, { purpose: 'ENROLL_PHONE', phoneNumber: PHONE_A });
      expect(await errorCode(h.identity.smsChallenges.verify(viewer, { challengeId: later.id, code: await h.codeSentTo(PHONE_A) }))).toBe('NO_ERROR');
    } finally {
      jest.useRealTimers();
    }
  });
});
