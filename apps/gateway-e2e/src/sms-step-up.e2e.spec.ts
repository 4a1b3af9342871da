import { codeInBody, startWebhookReceiverFake, WebhookReceiverFake } from '@honnin/testing';
import {
  AUTHORIZE, createSmsTenant, createTenant, Honnin, jpMobile, jpNational, login, LOGIN, ME, PASSWORD, SIGN_UP, signUp,
  SMS_CHALLENGE, RESEND_SMS_CHALLENGE, startHonnin, startSmsChallenge, updatePolicy, verifySmsChallenge,
} from './support/honnin';

const CHANGE_PASSWORD = `mutation($input: ChangePasswordInput!) { changePassword(input: $input) }`;
const ERROR_CODES = [
  'BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'TENANT_NOT_FOUND', 'INVALID_CREDENTIALS', 'INSUFFICIENT_AUTHENTICATION',
  'INVALID_CODE', 'CODE_EXPIRED', 'TOO_MANY_ATTEMPTS', 'CHALLENGE_NOT_FOUND', 'RATE_LIMITED', 'PHONE_NOT_ALLOWED',
  'PHONE_ALREADY_IN_USE', 'PHONE_MISMATCH', 'PHONE_REQUIRED', 'DELIVERY_FAILED',
];

/** A code of the same length that is certainly not `code`. */
function wrongCode(code: string): string {
  return Array.from(code, (digit) => String((Number(digit) + 1) % 10)).join('');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SMS step-up and phone enrolment over HTTP', () => {
  let h: Honnin;
  let receiver: WebhookReceiverFake;

  beforeAll(async () => {
    [h, receiver] = await Promise.all([startHonnin(), startWebhookReceiverFake({ secret: 'whsec-step-up-e2e-0123456789' })]);
  });
  afterAll(async () => {
    await receiver.close();
    await h.stop();
  });

  /** Signs up with `phone`, reads the enrolment code from the receiver and verifies it; the AAL1 token of a fresh login. */
  async function userWithPhone(tenant: string, loginId: string, phone: string): Promise<string> {
    const up = await h.gql.request(SIGN_UP.replace('user { id loginId }', 'user { id loginId } smsChallenge { id }'), {
      tenant, variables: { input: { loginId, password: PASSWORD, phoneNumber: phone } },
    });
    if (!up.data) throw new Error(`signUp failed: ${up.raw}`);
    const sms = await receiver.next(phone);
    const code = codeInBody(sms.body) ?? '';
    const verified = await verifySmsChallenge(h, tenant, up.data['signUp'].sessionToken, up.data['signUp'].smsChallenge.id, code);
    if (!verified.data) throw new Error(`enrolment failed: ${verified.raw}`);
    return login(h, tenant, loginId);
  }

  /** A STEP_UP from `token` with the code the receiver got; the new AAL2 token. */
  async function stepUp(tenant: string, token: string, phone: string): Promise<string> {
    const started = await startSmsChallenge(h, tenant, token, { purpose: 'STEP_UP' });
    if (!started.data) throw new Error(`startSmsChallenge failed: ${started.raw}`);
    const code = codeInBody((await receiver.next(phone)).body) ?? '';
    const verified = await verifySmsChallenge(h, tenant, token, started.data['startSmsChallenge'].id, code);
    if (!verified.data) throw new Error(`step-up failed: ${verified.raw}`);
    return verified.data['verifySmsChallenge'].sessionToken;
  }

  it('journey: sign up with a phone, enrol, log in, STEP_UP_REQUIRED, step up by SMS, AAL2 with a new token, then allowed', async () => {
    // The default phone policy (every country): a national-form number must still be read as the user's own.
    const t = await createSmsTenant(h, receiver, { actions: [{ action: 'payments.transfer', aal: 'AAL2', maxAgeSeconds: 120 }] });
    const phone = jpMobile();
    const up = await h.gql.request(
      `mutation($input: SignUpInput!) { signUp(input: $input) { sessionToken nextStep session { aal amr } smsChallenge { id purpose maskedPhoneNumber codeLength attemptsRemaining status deliveryStatus } } }`,
      { tenant: t.slug, variables: { input: { loginId: 'hana@example.com', password: PASSWORD, phoneNumber: phone } } },
    );
    const signedUp = up.data?.['signUp'];
    expect(signedUp).toMatchObject({
      nextStep: 'VERIFY_PHONE',
      session: { aal: 'AAL1', amr: ['pwd'] },
      smsChallenge: { purpose: 'ENROLL_PHONE', maskedPhoneNumber: `+81 90-****-${phone.slice(-4)}`, codeLength: 6, attemptsRemaining: 5, status: 'PENDING' },
    });
    const enrolmentSms = await receiver.next(phone);
    expect(enrolmentSms).toMatchObject({ signed: true, to: phone, tenant: t.id, locale: 'ja', id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const enrolCode = codeInBody(enrolmentSms.body);
    expect(enrolCode).toMatch(/^\d{6}$/);
    const enrolled = await verifySmsChallenge(h, t.slug, signedUp.sessionToken, signedUp.smsChallenge.id, enrolCode ?? '');
    expect(enrolled.data?.['verifySmsChallenge']).toMatchObject({
      session: { aal: 'AAL2', amr: expect.arrayContaining(['pwd', 'sms', 'mfa']) },
      user: { maskedPhoneNumber: `+81 90-****-${phone.slice(-4)}` },
    });
    // An enrolment leaves the sign-up session as it was (AAL1) beside the new AAL2 one.
    const signUpSession = await h.gql.request(ME, { tenant: t.slug, token: signedUp.sessionToken });
    expect(signUpSession.data?.['me'].session).toMatchObject({ aal: 'AAL1', amr: ['pwd'] });

    const again = await h.gql.request(LOGIN, { tenant: t.slug, variables: { input: { loginId: 'hana@example.com', password: PASSWORD } } });
    expect(again.data?.['login']).toMatchObject({ nextStep: 'NONE', session: { aal: 'AAL1', amr: ['pwd'] } });
    const token: string = again.data?.['login'].sessionToken;
    const before = await h.gql.request(AUTHORIZE, { tenant: t.slug, token, variables: { action: 'payments.transfer' } });
    expect(before.data?.['authorize']).toEqual({
      action: 'payments.transfer', allowed: false, reason: 'STEP_UP_REQUIRED', requiredAal: 'AAL2', currentAal: 'AAL1', maxAgeSeconds: 120,
    });

    // The number as the user types it, in either form, matches; another number does not.
    const national = await startSmsChallenge(h, t.slug, token, { purpose: 'STEP_UP', phoneNumber: jpNational(phone) });
    expect(national.errors).toBeUndefined();
    expect(national.data?.['startSmsChallenge']).toMatchObject({ purpose: 'STEP_UP', status: 'PENDING', codeLength: 6 });
    await receiver.next(phone);
    const spaced = `+81 90 ${phone.slice(5, 9)} ${phone.slice(9)}`;
    const international = await startSmsChallenge(h, t.slug, token, { purpose: 'STEP_UP', phoneNumber: spaced });
    expect(international.errors).toBeUndefined();
    const challenge = international.data?.['startSmsChallenge'];
    const other = await startSmsChallenge(h, t.slug, token, { purpose: 'STEP_UP', phoneNumber: jpMobile() });
    expect(other.code).toBe('PHONE_MISMATCH');
    expect(other.data).toBeNull();

    const stepUpSms = await receiver.next(phone);
    expect(stepUpSms.signed).toBe(true);
    const code = codeInBody(stepUpSms.body) ?? '';
    const verified = await verifySmsChallenge(h, t.slug, token, challenge.id, code);
    const payload = verified.data?.['verifySmsChallenge'];
    expect(payload).toMatchObject({ session: { aal: 'AAL2' } });
    expect(payload.sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(payload.sessionToken).not.toBe(token);

    const me = await h.gql.request(ME, { tenant: t.slug, token: payload.sessionToken });
    expect(me.data?.['me'].session.aal).toBe('AAL2');
    expect(me.data?.['me'].session.amr).toEqual(expect.arrayContaining(['pwd', 'sms', 'mfa']));
    expect(Math.abs(new Date(me.data?.['me'].session.aal2VerifiedAt).getTime() - Date.now())).toBeLessThan(30_000);
    expect(me.data?.['me'].user.maskedPhoneNumber).toBe(`+81 90-****-${phone.slice(-4)}`);

    expect((await h.gql.request(ME, { tenant: t.slug, token })).code).toBe('UNAUTHENTICATED');
    const after = await h.gql.request(AUTHORIZE, { tenant: t.slug, token: payload.sessionToken, variables: { action: 'payments.transfer' } });
    expect(after.data?.['authorize']).toMatchObject({ allowed: true, reason: 'OK', currentAal: 'AAL2' });
    const changed = await h.gql.request(CHANGE_PASSWORD, {
      tenant: t.slug, token: payload.sessionToken, variables: { input: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase 77' } },
    });
    expect(changed.data).toEqual({ changePassword: true });
  });

  it('messages: the built-in ja and en texts, the WebOTP last line, and 8-digit codes', async () => {
    const t = await createSmsTenant(h, receiver);
    const token = await signUp(h, t.slug, 'ren@example.com');

    const jaPhone = jpMobile();
    const ja = await startSmsChallenge(h, t.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: jaPhone });
    expect(ja.data?.['startSmsChallenge']).toMatchObject({ codeLength: 6 });
    const jaSms = await receiver.next(jaPhone);
    const jaCode = codeInBody(jaSms.body) ?? 'none';
    expect(jaSms.body).toBe(`【Honnin】認証コード: ${jaCode}（5分間有効）`);
    expect(jaSms.locale).toBe('ja');

    const enPhone = jpMobile();
    await startSmsChallenge(h, t.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: enPhone, locale: 'en' });
    const enSms = await receiver.next(enPhone);
    const enCode = codeInBody(enSms.body) ?? 'none';
    expect(enSms.body).toBe(`Honnin: your verification code is ${enCode}. Valid for 5 min.`);
    expect(enSms.locale).toBe('en');

    expect((await updatePolicy(h, t.apiKey, { messages: { webOtpDomain: 'example.com', appName: 'Acme Pay' } })).errors).toBeUndefined();
    const webOtpPhone = jpMobile();
    await startSmsChallenge(h, t.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: webOtpPhone });
    const webOtpSms = await receiver.next(webOtpPhone);
    const webOtpCode = codeInBody(webOtpSms.body) ?? 'none';
    const lines = webOtpSms.body.split('\n');
    expect(lines[lines.length - 1]).toBe(`@example.com #${webOtpCode}`);
    expect(lines[0]).toBe(`【Acme Pay】認証コード: ${webOtpCode}（5分間有効）`);

    expect((await updatePolicy(h, t.apiKey, { otp: { length: 8 }, messages: { webOtpDomain: null } })).errors).toBeUndefined();
    const longPhone = jpMobile();
    const long = await startSmsChallenge(h, t.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: longPhone, locale: 'en' });
    expect(long.data?.['startSmsChallenge'].codeLength).toBe(8);
    const longSms = await receiver.next(longPhone);
    const longCode = codeInBody(longSms.body, 8);
    expect(longCode).toMatch(/^\d{8}$/);
    expect(longSms.body.match(/\d+/g)?.filter((run) => run.length >= 6)).toEqual([longCode]);
    const verified = await verifySmsChallenge(h, t.slug, token, long.data?.['startSmsChallenge'].id, longCode ?? '');
    expect(verified.data?.['verifySmsChallenge'].session.aal).toBe('AAL2');
  });

  /** 50 concurrent verifies of the right code on one challenge with one token: exactly one wins, none fails inside. */
  async function raceRightCode(tenant: string, token: string, id: string, code: string): Promise<string> {
    const results = await Promise.all(Array.from({ length: 50 }, () => verifySmsChallenge(h, tenant, token, id, code)));
    const successes = results.filter((r) => r.data?.['verifySmsChallenge']?.sessionToken);
    const codes = results.filter((r) => r.errors).map((r) => r.code);
    expect({ successes: successes.length, failures: codes.length }).toEqual({ successes: 1, failures: 49 });
    expect(codes).not.toContain('INTERNAL');
    for (const failure of codes) expect(ERROR_CODES).toContain(failure);
    return successes[0]?.data?.['verifySmsChallenge'].sessionToken;
  }

  it('a code works once: 50 parallel verifies of the right code give exactly one success and no INTERNAL', async () => {
    const t = await createSmsTenant(h, receiver);
    const phone = jpMobile();
    const token = await userWithPhone(t.slug, 'sora@example.com', phone);
    const started = await startSmsChallenge(h, t.slug, token, { purpose: 'STEP_UP' });
    const code = codeInBody((await receiver.next(phone)).body) ?? '';
    const winner = await raceRightCode(t.slug, token, started.data?.['startSmsChallenge'].id, code);
    expect((await h.gql.request(ME, { tenant: t.slug, token: winner })).data?.['me'].session.aal).toBe('AAL2');

    // An enrolment keeps the calling session, so all 50 reach the attempt counter (a step-up revokes it for the losers).
    const enrolling = await signUp(h, t.slug, 'sora2@example.com');
    const newPhone = jpMobile();
    const enrolment = await startSmsChallenge(h, t.slug, enrolling, { purpose: 'ENROLL_PHONE', phoneNumber: newPhone });
    const enrolCode = codeInBody((await receiver.next(newPhone)).body) ?? '';
    const enrolled = await raceRightCode(t.slug, enrolling, enrolment.data?.['startSmsChallenge'].id, enrolCode);
    expect((await h.gql.request(ME, { tenant: t.slug, token: enrolled })).data?.['me'].user.maskedPhoneNumber).toBe(`+81 90-****-${newPhone.slice(-4)}`);
  });

  it('5 wrong codes count down 4..0, then the right code gets TOO_MANY_ATTEMPTS and no session', async () => {
    const t = await createSmsTenant(h, receiver);
    const phone = jpMobile();
    const token = await userWithPhone(t.slug, 'kai@example.com', phone);
    const started = await startSmsChallenge(h, t.slug, token, { purpose: 'STEP_UP' });
    const id = started.data?.['startSmsChallenge'].id;
    const code = codeInBody((await receiver.next(phone)).body) ?? '';
    const remaining: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const wrong = await verifySmsChallenge(h, t.slug, token, id, wrongCode(code));
      expect(wrong.code).toBe('INVALID_CODE');
      remaining.push(wrong.errors?.[0].extensions?.['attemptsRemaining']);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    const right = await verifySmsChallenge(h, t.slug, token, id, code);
    expect(right.code).toBe('TOO_MANY_ATTEMPTS');
    expect(right.data).toBeNull();
    const me = await h.gql.request(ME, { tenant: t.slug, token });
    expect(me.data?.['me'].session.aal).toBe('AAL1');
  });

  it('a resend replaces the code but gives no new attempts', async () => {
    const t = await createSmsTenant(h, receiver, { otp: { resendCooldownSeconds: 0 } });
    const phone = jpMobile();
    const token = await userWithPhone(t.slug, 'yui@example.com', phone);
    const started = await startSmsChallenge(h, t.slug, token, { purpose: 'STEP_UP' });
    const id = started.data?.['startSmsChallenge'].id;
    const oldCode = codeInBody((await receiver.next(phone)).body) ?? '';
    for (let i = 0; i < 2; i++) expect((await verifySmsChallenge(h, t.slug, token, id, wrongCode(oldCode))).code).toBe('INVALID_CODE');

    const resent = await h.gql.request(RESEND_SMS_CHALLENGE, { tenant: t.slug, token, variables: { id } });
    expect(resent.data?.['resendSmsChallenge']).toMatchObject({ id, attemptsRemaining: 3, status: 'PENDING' });
    const read = await h.gql.request(SMS_CHALLENGE, { tenant: t.slug, token, variables: { id } });
    expect(read.data?.['smsChallenge'].attemptsRemaining).toBe(3);
    const newCode = codeInBody((await receiver.next(phone)).body) ?? '';

    if (newCode !== oldCode) {
      const old = await verifySmsChallenge(h, t.slug, token, id, oldCode);
      expect(old.code).toBe('INVALID_CODE');
      expect(old.errors?.[0].extensions?.['attemptsRemaining']).toBe(2);
    }
    const verified = await verifySmsChallenge(h, t.slug, token, id, newCode);
    expect(verified.data?.['verifySmsChallenge'].session.aal).toBe('AAL2');
  });

  it('one sensitive mutation per request: 100 aliased verifies, login+signUp, and a JSON array batch are refused before any runs', async () => {
    const t = await createSmsTenant(h, receiver);
    const phone = jpMobile();
    const token = await userWithPhone(t.slug, 'mio@example.com', phone);
    const started = await startSmsChallenge(h, t.slug, token, { purpose: 'STEP_UP' });
    const id: string = started.data?.['startSmsChallenge'].id;
    const code = codeInBody((await receiver.next(phone)).body) ?? '';

    const aliases = Array.from({ length: 100 }, (_, i) =>
      `v${i}: verifySmsChallenge(input: { challengeId: "${id}", code: "${i === 99 ? code : wrongCode(code)}" }) { sessionToken }`).join('\n');
    const aliased = await h.gql.request(`mutation {\n${aliases}\n}`, { tenant: t.slug, token });
    expect(aliased.code).toBe('BAD_USER_INPUT');
    expect(aliased.data).toBeNull();
    const attempts = async () => (await h.gql.request(SMS_CHALLENGE, { tenant: t.slug, token, variables: { id } })).data?.['smsChallenge'];
    expect(await attempts()).toMatchObject({ attemptsRemaining: 5, status: 'PENDING' });

    const pair = await h.gql.request(
      `mutation { a: login(input: { loginId: "mio@example.com", password: "${PASSWORD}" }) { sessionToken }
                  b: signUp(input: { loginId: "newbie@example.com", password: "${PASSWORD}" }) { sessionToken } }`,
      { tenant: t.slug },
    );
    expect(pair.code).toBe('BAD_USER_INPUT');
    expect(pair.data).toBeNull();
    const newbie = await h.gql.request(LOGIN, { tenant: t.slug, variables: { input: { loginId: 'newbie@example.com', password: PASSWORD } } });
    expect(newbie.code).toBe('INVALID_CREDENTIALS');

    const verify = `mutation($input: VerifySmsChallengeInput!) { verifySmsChallenge(input: $input) { sessionToken } }`;
    const batch = await h.gql.post(
      JSON.stringify([
        { query: verify, variables: { input: { challengeId: id, code: wrongCode(code) } } },
        { query: verify, variables: { input: { challengeId: id, code } } },
      ]),
      { 'content-type': 'application/json', 'x-tenant-id': t.slug, authorization: `Bearer ${token}` },
    );
    expect(batch.status).toBe(400);
    expect(batch.raw).not.toContain('sessionToken');
    expect(await attempts()).toMatchObject({ attemptsRemaining: 5, status: 'PENDING' });

    const verified = await verifySmsChallenge(h, t.slug, token, id, code);
    expect(verified.data?.['verifySmsChallenge'].session.aal).toBe('AAL2');
  });

  it("another user's or another tenant's session cannot use a challenge: CHALLENGE_NOT_FOUND, nothing counted", async () => {
    const t = await createSmsTenant(h, receiver);
    const u = await createSmsTenant(h, receiver);
    const phone = jpMobile();
    const token = await userWithPhone(t.slug, 'aoi@example.com', phone);
    const started = await startSmsChallenge(h, t.slug, token, { purpose: 'STEP_UP' });
    const id = started.data?.['startSmsChallenge'].id;
    const code = codeInBody((await receiver.next(phone)).body) ?? '';

    const stranger = await signUp(h, t.slug, 'mallory@example.com');
    const foreigner = await signUp(h, u.slug, 'aoi@example.com');
    expect((await verifySmsChallenge(h, t.slug, stranger, id, code)).code).toBe('CHALLENGE_NOT_FOUND');
    expect((await verifySmsChallenge(h, u.slug, foreigner, id, code)).code).toBe('CHALLENGE_NOT_FOUND');
    expect((await h.gql.request(SMS_CHALLENGE, { tenant: t.slug, token: stranger, variables: { id } })).data).toEqual({ smsChallenge: null });
    expect((await h.gql.request(RESEND_SMS_CHALLENGE, { tenant: u.slug, token: foreigner, variables: { id } })).code).toBe('CHALLENGE_NOT_FOUND');
    expect((await h.gql.request(SMS_CHALLENGE, { tenant: t.slug, token, variables: { id } })).data?.['smsChallenge'])
      .toMatchObject({ attemptsRemaining: 5, status: 'PENDING' });
    // Another session of the same user is not the challenge's either.
    const secondSession = await login(h, t.slug, 'aoi@example.com');
    expect((await verifySmsChallenge(h, t.slug, secondSession, id, code)).code).toBe('CHALLENGE_NOT_FOUND');
    expect((await verifySmsChallenge(h, t.slug, token, id, code)).data?.['verifySmsChallenge'].session.aal).toBe('AAL2');
  });

  it('a Japanese landline and a disallowed country get PHONE_NOT_ALLOWED and no SMS is sent', async () => {
    const t = await createSmsTenant(h, receiver);
    const token = await signUp(h, t.slug, 'riku@example.com');
    const landline = `+813${String(10_000_000 + Math.floor(Math.random() * 89_999_999))}`;
    const refused = await startSmsChallenge(h, t.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: landline });
    expect(refused.code).toBe('PHONE_NOT_ALLOWED');

    const jpOnly = await createSmsTenant(h, receiver, { phone: { allowedCountries: ['JP'] } });
    const jpToken = await signUp(h, jpOnly.slug, 'riku@example.com');
    const usMobile = '+12025550123';
    const abroad = await startSmsChallenge(h, jpOnly.slug, jpToken, { purpose: 'ENROLL_PHONE', phoneNumber: usMobile });
    expect(abroad.code).toBe('PHONE_NOT_ALLOWED');
    const atSignUp = await h.gql.request(SIGN_UP, { tenant: jpOnly.slug, variables: { input: { loginId: 'sam@example.com', password: PASSWORD, phoneNumber: usMobile } } });
    expect(atSignUp.code).toBe('PHONE_NOT_ALLOWED');

    await sleep(1000);
    expect(receiver.messages.filter((m) => m.to === landline || m.to === usMobile)).toEqual([]);
    expect(receiver.requests.filter((r) => r.rawBody.includes(landline) || r.rawBody.includes(usMobile))).toEqual([]);
  });

  it('a number verified by another account: the enrolment starts and the SMS arrives, the right code gets PHONE_ALREADY_IN_USE, nothing attached', async () => {
    const t = await createSmsTenant(h, receiver);
    const phone = jpMobile();
    await userWithPhone(t.slug, 'owner@example.com', phone);
    const token = await signUp(h, t.slug, 'claimer@example.com');
    const started = await startSmsChallenge(h, t.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: phone });
    expect(started.errors).toBeUndefined();
    expect(started.data?.['startSmsChallenge']).toMatchObject({ purpose: 'ENROLL_PHONE', status: 'PENDING' });
    const fresh = await startSmsChallenge(h, t.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: jpMobile() });
    expect(Object.keys(fresh.data?.['startSmsChallenge'] ?? {})).toEqual(Object.keys(started.data?.['startSmsChallenge'] ?? {}));

    const sms = await receiver.next(phone);
    const verified = await verifySmsChallenge(h, t.slug, token, started.data?.['startSmsChallenge'].id, codeInBody(sms.body) ?? '');
    expect(verified.code).toBe('PHONE_ALREADY_IN_USE');
    expect(verified.data).toBeNull();
    const me = await h.gql.request(ME, { tenant: t.slug, token });
    expect(me.data?.['me']).toMatchObject({ user: { maskedPhoneNumber: null }, session: { aal: 'AAL1' } });
  });

  it('changing the phone needs a fresh AAL2; the new number is verified and the old one gets a notice without a code', async () => {
    const t = await createSmsTenant(h, receiver);
    const oldPhone = jpMobile();
    const newPhone = jpMobile();
    const token = await userWithPhone(t.slug, 'nao@example.com', oldPhone);

    const refused = await startSmsChallenge(h, t.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: newPhone });
    expect(refused.code).toBe('INSUFFICIENT_AUTHENTICATION');
    expect(refused.errors?.[0].extensions).toMatchObject({ requiredAal: 'AAL2', maxAgeSeconds: 300 });
    await sleep(300);
    expect(receiver.messages.filter((m) => m.to === newPhone)).toEqual([]);

    const aal2 = await stepUp(t.slug, token, oldPhone);
    const started = await startSmsChallenge(h, t.slug, aal2, { purpose: 'ENROLL_PHONE', phoneNumber: newPhone });
    expect(started.data?.['startSmsChallenge']).toMatchObject({ purpose: 'ENROLL_PHONE', maskedPhoneNumber: `+81 90-****-${newPhone.slice(-4)}` });
    const code = codeInBody((await receiver.next(newPhone)).body) ?? '';
    const verified = await verifySmsChallenge(h, t.slug, aal2, started.data?.['startSmsChallenge'].id, code);
    expect(verified.data?.['verifySmsChallenge'].user.maskedPhoneNumber).toBe(`+81 90-****-${newPhone.slice(-4)}`);

    const notice = await receiver.next(oldPhone, 5000);
    expect(notice.signed).toBe(true);
    expect(notice.body).not.toMatch(/\d{6,}/);
    expect(notice.body).toContain('Honnin');
    const me = await h.gql.request(ME, { tenant: t.slug, token: aal2 });
    expect(me.data?.['me'].user.maskedPhoneNumber).toBe(`+81 90-****-${newPhone.slice(-4)}`);
    // The new number is now the one a step-up goes to.
    const next = await startSmsChallenge(h, t.slug, aal2, { purpose: 'STEP_UP', phoneNumber: oldPhone });
    expect(next.code).toBe('PHONE_MISMATCH');
  });

  it('20 users starting challenges at once all get them and their SMS (more than the gateway has database connections)', async () => {
    const t = await createSmsTenant(h, receiver);
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => signUp(h, t.slug, `crowd${i}@example.com`)));
    const phones = tokens.map(() => jpMobile());
    const started = await Promise.all(tokens.map((token, i) => startSmsChallenge(h, t.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: phones[i] })));
    expect(started.map((r) => r.code ?? 'ok')).toEqual(Array(20).fill('ok'));
    const received = await Promise.all(phones.map((phone) => receiver.next(phone, 10_000)));
    expect(received.map((m) => m.to)).toEqual(phones);
  }, 40_000);

  it('a STEP_UP without a verified phone gets PHONE_REQUIRED', async () => {
    const t = await createTenant(h);
    const token = await signUp(h, t.slug, 'nophone@example.com');
    expect((await startSmsChallenge(h, t.slug, token, { purpose: 'STEP_UP' })).code).toBe('PHONE_REQUIRED');
  });
});
