import { randomInt } from 'node:crypto';
import { startTwilioFake, TwilioFake } from '@honnin/testing';
import { createTenant, Honnin, login, ME, PASSWORD, signUp, startHonnin, updatePolicy } from './support/honnin';

const START = `mutation($input: StartSmsChallengeInput!) { startSmsChallenge(input: $input) { id codeLength status deliveryStatus } }`;
const VERIFY = `mutation($input: VerifySmsChallengeInput!) { verifySmsChallenge(input: $input) { sessionToken session { aal amr aal2VerifiedAt } user { maskedPhoneNumber } } }`;
const CHALLENGE = `query($id: ID!) { smsChallenge(id: $id) { status deliveryStatus attemptsRemaining } }`;
const jpMobile = () => `+8190${String(10_000_000 + randomInt(89_999_999))}`;

async function until<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('delivery receipts, metrics and delegated verification (Twilio fakes)', () => {
  let h: Honnin;
  let twilio: TwilioFake;
  beforeAll(async () => {
    [h, twilio] = await Promise.all([startHonnin(), startTwilioFake()]);
  });
  afterAll(async () => {
    await twilio.close();
    await h.stop();
  });

  const configure = (apiKey: string, type: 'TWILIO' | 'TWILIO_VERIFY') =>
    h.gql.request(
      `mutation($input: ConfigureSmsProvidersInput!) { configureSmsProviders(input: $input) { id type deliveryReceiptUrl credentialFields } }`,
      {
        apiKey,
        variables: {
          input: {
            providers: [
              type === 'TWILIO'
                ? { type, baseUrl: twilio.url, sender: '+15005550006', credentials: { accountSid: twilio.account.accountSid, authToken: twilio.account.authToken } }
                : { type, baseUrl: twilio.url, credentials: { accountSid: twilio.account.accountSid, authToken: twilio.account.authToken, serviceSid: twilio.account.serviceSid } },
            ],
          },
        },
      },
    );

  it('a signed Twilio status callback marks the message DELIVERED; a forged one is rejected and changes nothing', async () => {
    const t = await createTenant(h);
    const configured = await configure(t.apiKey, 'TWILIO');
    const receiptPath: string = configured.data?.['configureSmsProviders'][0].deliveryReceiptUrl;
    expect(receiptPath).toMatch(/^\/sms\/receipts\/[0-9a-f-]{36}\/[A-Za-z0-9_-]{43}$/);
    expect(configured.data?.['configureSmsProviders'][0].credentialFields).toEqual(['accountSid', 'authToken']);
    expect(configured.raw).not.toContain(twilio.account.authToken);

    const token = await signUp(h, t.slug, 'rita@example.com');
    const phone = jpMobile();
    const started = await h.gql.request(START, { tenant: t.slug, token, variables: { input: { purpose: 'ENROLL_PHONE', phoneNumber: phone } } });
    const id = started.data?.['startSmsChallenge'].id;
    const sent = await until(async () => twilio.messages.find((m) => m.to === phone));
    await until(async () => (await h.gql.request(CHALLENGE, { tenant: t.slug, token, variables: { id } })).data?.['smsChallenge'].deliveryStatus === 'SENT');

    const url = `${h.gateway.url}${receiptPath}`;
    const params = { MessageSid: sent.sid, MessageStatus: 'delivered', AccountSid: twilio.account.accountSid, To: phone, From: '+15005550006' };
    expect(await twilio.sendStatusCallback(url, params, { authToken: 'not-the-auth-token' })).toBe(403);
    expect((await h.gql.request(CHALLENGE, { tenant: t.slug, token, variables: { id } })).data?.['smsChallenge'].deliveryStatus).toBe('SENT');
    expect(await twilio.sendStatusCallback(`${url.slice(0, -3)}abc`, params)).toBe(404);
    expect(await twilio.sendStatusCallback(url, { ...params, MessageSid: 'SM00000000000000000000000000000000' })).toBe(200);
    expect((await h.gql.request(CHALLENGE, { tenant: t.slug, token, variables: { id } })).data?.['smsChallenge'].deliveryStatus).toBe('SENT');

    expect(await twilio.sendStatusCallback(url, params)).toBe(200);
    expect((await h.gql.request(CHALLENGE, { tenant: t.slug, token, variables: { id } })).data?.['smsChallenge'].deliveryStatus).toBe('DELIVERED');
    const audit = await h.gql.request(`{ auditEvents(first: 5, filter: { type: "sms.receipt_rejected" }) { edges { node { details } } } }`, { apiKey: t.apiKey });
    expect(audit.data?.['auditEvents'].edges).toHaveLength(1);

    const metrics = await (await fetch(`${h.gateway.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`honnin_sms_receipts_total\\{tenant="${t.id}",provider="TWILIO",state="DELIVERED"\\} 1`));
    expect(metrics).toMatch(/honnin_sms_receipts_rejected_total\{provider="TWILIO",reason="bad_signature"\} 1/);
    expect(metrics).toMatch(new RegExp(`honnin_sms_send_attempts_total\\{tenant="${t.id}",provider="TWILIO",outcome="sent"\\} 1`));
    expect(metrics).toMatch(/honnin_sms_handoff_seconds_bucket/);
    expect(metrics).toMatch(/honnin_graphql_request_duration_seconds_count\{operation="startSmsChallenge",outcome="ok"\} \d+/);
    expect(metrics).toMatch(new RegExp(`honnin_sms_delivery_ratio\\{tenant="${t.id}",provider="TWILIO"\\} 1`));
  });

  it('TWILIO_VERIFY: the provider makes and checks the code; our attempts, expiry and session upgrade still apply', async () => {
    const t = await createTenant(h);
    expect((await configure(t.apiKey, 'TWILIO_VERIFY')).errors).toBeUndefined();
    await updatePolicy(h, t.apiKey, { actions: [{ action: 'payments.transfer', aal: 'AAL2', maxAgeSeconds: 120 }] });
    const first = await signUp(h, t.slug, 'vera@example.com');
    const phone = jpMobile();
    const enrol = await h.gql.request(START, { tenant: t.slug, token: first, variables: { input: { purpose: 'ENROLL_PHONE', phoneNumber: phone } } });
    const enrolCode = await until(async () => twilio.lastCodeSentTo(phone));
    const enrolled = await h.gql.request(VERIFY, { tenant: t.slug, token: first, variables: { input: { challengeId: enrol.data?.['startSmsChallenge'].id, code: enrolCode } } });
    expect(enrolled.data?.['verifySmsChallenge'].session.aal).toBe('AAL2');

    const token = await login(h, t.slug, 'vera@example.com');
    const denied = await h.gql.request(`{ authorize(action: "payments.transfer") { allowed reason } }`, { tenant: t.slug, token });
    expect(denied.data?.['authorize']).toEqual({ allowed: false, reason: 'STEP_UP_REQUIRED' });
    const stepUp = await h.gql.request(START, { tenant: t.slug, token, variables: { input: { purpose: 'STEP_UP' } } });
    const challengeId = stepUp.data?.['startSmsChallenge'].id;
    await until(async () => twilio.verifications.filter((v) => v.to === phone).length === 2 || twilio.verifications.some((v) => v.to === phone && v.sendCount > 1));
    const code = twilio.lastCodeSentTo(phone) as string;
    const wrong = await h.gql.request(VERIFY, { tenant: t.slug, token, variables: { input: { challengeId, code: code === '000000' ? '111111' : '000000' } } });
    expect(wrong.errors?.[0].extensions).toEqual({ code: 'INVALID_CODE', attemptsRemaining: 4 });
    const verified = await h.gql.request(VERIFY, { tenant: t.slug, token, variables: { input: { challengeId, code } } });
    const raised = verified.data?.['verifySmsChallenge'];
    expect(raised.session.aal).toBe('AAL2');
    expect(raised.session.amr).toEqual(expect.arrayContaining(['pwd', 'sms', 'mfa']));
    expect((await h.gql.request(ME, { tenant: t.slug, token })).code).toBe('UNAUTHENTICATED');
    const me = await h.gql.request(ME, { tenant: t.slug, token: raised.sessionToken });
    expect(me.data?.['me'].session.aal).toBe('AAL2');
    const allowed = await h.gql.request(`{ authorize(action: "payments.transfer") { allowed } }`, { tenant: t.slug, token: raised.sessionToken });
    expect(allowed.data?.['authorize'].allowed).toBe(true);
    const changed = await h.gql.request(`mutation($input: ChangePasswordInput!) { changePassword(input: $input) }`, {
      tenant: t.slug, token: raised.sessionToken, variables: { input: { currentPassword: PASSWORD, newPassword: 'verified by twilio verify 7' } },
    });
    expect(changed.data).toEqual({ changePassword: true });
    const relogin = await login(h, t.slug, 'vera@example.com', 'verified by twilio verify 7');

    const again = relogin;
    const exhaust = await h.gql.request(START, { tenant: t.slug, token: again, variables: { input: { purpose: 'STEP_UP' } } });
    const exhaustId = exhaust.data?.['startSmsChallenge'].id;
    await until(async () => (await h.gql.request(CHALLENGE, { tenant: t.slug, token: again, variables: { id: exhaustId } })).data?.['smsChallenge'].deliveryStatus === 'SENT');
    const latest = twilio.lastCodeSentTo(phone) as string;
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await h.gql.request(VERIFY, { tenant: t.slug, token: again, variables: { input: { challengeId: exhaustId, code: latest === '999999' ? '888888' : '999999' } } });
      codes.push(r.code);
    }
    expect(codes).toEqual(['INVALID_CODE', 'INVALID_CODE', 'INVALID_CODE', 'INVALID_CODE', 'INVALID_CODE']);
    const late = await h.gql.request(VERIFY, { tenant: t.slug, token: again, variables: { input: { challengeId: exhaustId, code: latest } } });
    expect(late.code).toBe('TOO_MANY_ATTEMPTS');
  });
});
