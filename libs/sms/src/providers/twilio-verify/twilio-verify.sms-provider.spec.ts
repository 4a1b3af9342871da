import { providerPost } from '../shared/provider-post';
import { startTwilioFake, type TwilioFake } from '@honnin/testing';
import type { SmsProviderDeps, SmsProviderSettings } from '../../port/sms-provider.port';
import {
  createTwilioVerifyDelegatedProvider,
  twilioVerifyLocale,
  twilioVerifySmsProviderDefinition,
} from './twilio-verify.sms-provider';

const TO = '+819012345678';

describe('TWILIO_VERIFY against the Twilio fake', () => {
  let fake: TwilioFake;
  let clock: number;
  const log = jest.fn();
  const deps: SmsProviderDeps = { post: providerPost, log };
  const settings = (overrides: Partial<SmsProviderSettings> = {}): SmsProviderSettings => ({
    type: 'TWILIO_VERIFY',
    baseUrl: fake.url,
    countries: [],
    credentials: { accountSid: fake.account.accountSid, authToken: fake.account.authToken, serviceSid: fake.account.serviceSid },
    timeoutMs: 1000,
    ...overrides,
  });
  const provider = (overrides: Partial<SmsProviderSettings> = {}) => createTwilioVerifyDelegatedProvider(settings(overrides), deps);
  const start = (overrides: Partial<SmsProviderSettings> = {}) =>
    provider(overrides).startVerification({ reference: 'chl-1', to: TO, locale: 'ja-JP' });

  async function started(): Promise<string> {
    const outcome = await start();
    if (outcome.kind !== 'sent') throw new Error(`not started: ${outcome.kind}`);
    return outcome.providerMessageId;
  }

  beforeEach(async () => {
    clock = Date.parse('2026-03-01T09:00:00Z');
    fake = await startTwilioFake({ now: () => clock });
    log.mockClear();
  });
  afterEach(() => fake.close());

  it('starts an SMS verification with To, Channel and Locale, and answers its sid', async () => {
    const sid = await started();

    expect(sid).toMatch(/^VE[0-9a-f]{32}$/);
    const request = fake.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/v2/Services/${fake.account.serviceSid}/Verifications`);
    expect(request?.headers['authorization']).toBe(
      `Basic ${Buffer.from(`${fake.account.accountSid}:${fake.account.authToken}`).toString('base64')}`,
    );
    expect(request?.form).toEqual({ To: TO, Channel: 'sms', Locale: 'ja' });
    expect(fake.lastCodeSentTo(TO)).toMatch(/^\d{6}$/);
    expect(log).toHaveBeenCalledWith('sms.twilio_verify.started', { reference: 'chl-1', verificationSid: sid });
  });

  it('approves the code the phone received, by VerificationSid', async () => {
    const sid = await started();
    const code = fake.lastCodeSentTo(TO) ?? '';

    expect(await provider().checkVerification({ to: TO, providerVerificationId: sid, code })).toEqual({ kind: 'approved' });
    expect(fake.requests[1]?.path).toBe(`/v2/Services/${fake.account.serviceSid}/VerificationCheck`);
    expect(fake.requests[1]?.form).toEqual({ VerificationSid: sid, Code: code });
  });

  it('says wrong_code while pending, then gone once Twilio stops counting', async () => {
    const sid = await started();
    const code = fake.lastCodeSentTo(TO) ?? '';
    const wrong = code === '000000' ? '111111' : '000000';
    const check = (attempt: string) => provider().checkVerification({ to: TO, providerVerificationId: sid, code: attempt });

    for (let attempt = 0; attempt < 5; attempt += 1) expect(await check(wrong)).toEqual({ kind: 'wrong_code' });
    expect(await check(code)).toEqual({ kind: 'gone', reason: 'twilio verify: max_attempts_reached' });
    expect(await check(code)).toEqual({ kind: 'gone', reason: 'twilio verify: verification not found' });
  });

  it('calls an approved verification gone on a second check', async () => {
    const sid = await started();
    const code = fake.lastCodeSentTo(TO) ?? '';
    expect(await provider().checkVerification({ to: TO, providerVerificationId: sid, code })).toEqual({ kind: 'approved' });
    expect(await provider().checkVerification({ to: TO, providerVerificationId: sid, code })).toEqual({
      kind: 'gone',
      reason: 'twilio verify: verification not found',
    });
  });

  it('calls an expired verification gone', async () => {
    const sid = await started();
    clock += 10 * 60_000;
    expect(await provider().checkVerification({ to: TO, providerVerificationId: sid, code: fake.lastCodeSentTo(TO) ?? '' })).toMatchObject({
      kind: 'gone',
    });
  });

  it.each(['canceled', 'max_attempts_reached', 'expired', 'failed'])('maps a %s check answer to gone', async (status) => {
    fake.behave({ mode: 'status', status: 200, body: { sid: 'VE1', status, valid: false }, times: 1 });
    expect(await provider().checkVerification({ to: TO, providerVerificationId: 'VE1', code: '123456' })).toEqual({
      kind: 'gone',
      reason: `twilio verify: ${status}`,
    });
  });

  it('treats a malformed code (60200) as a wrong code', async () => {
    const sid = await started();
    expect(await provider().checkVerification({ to: TO, providerVerificationId: sid, code: '12' })).toEqual({ kind: 'wrong_code' });
  });

  it.each([
    [20003, 401, 'auth_failed'],
    [20429, 429, 'retryable'],
    [20500, 500, 'retryable'],
    [20001, 400, 'auth_failed'],
  ])('classifies check error %i (HTTP %i) as %s', async (code, status, kind) => {
    fake.failWith(code, { status });
    expect(await provider().checkVerification({ to: TO, providerVerificationId: 'VE1', code: '123456' })).toEqual({
      kind,
      reason: `twilio verify: HTTP ${status}, error ${code}`,
    });
  });

  it('re-sends the same code while a verification is pending, as Twilio does', async () => {
    const first = await started();
    const code = fake.lastCodeSentTo(TO);
    expect(await started()).toBe(first);
    expect(fake.inbox(TO)).toEqual([`Your verification code is: ${code}`, `Your verification code is: ${code}`]);
  });

  it('is rate limited by the fake after 5 sends to one number in 10 minutes (60203)', async () => {
    for (let send = 0; send < 5; send += 1) await started();
    expect(await start()).toEqual({ kind: 'rate_limited', reason: 'twilio verify: HTTP 429, error 60203', retryAfterSeconds: undefined });
    clock += 10 * 60_000;
    expect(await start()).toMatchObject({ kind: 'sent' });
  });

  it.each([
    [60200, 400, 'misconfigured'],
    [60203, 429, 'rate_limited'],
    [60410, 403, 'invalid_recipient'],
    [20003, 401, 'auth_failed'],
    [20429, 429, 'rate_limited'],
    [20500, 500, 'retryable'],
    [20404, 404, 'misconfigured'],
  ])('classifies start error %i (HTTP %i) as %s', async (code, status, kind) => {
    fake.failWith(code, { status });
    expect(await start()).toMatchObject({ kind, reason: `twilio verify: HTTP ${status}, error ${code}` });
  });

  it('is refused for a wrong auth token and a wrong service', async () => {
    const credentials = settings().credentials;
    expect(await start({ credentials: { ...credentials, authToken: 'wrong' } })).toMatchObject({ kind: 'auth_failed' });
    expect(await start({ credentials: { ...credentials, serviceSid: `VA${'f'.repeat(32)}` } })).toMatchObject({ kind: 'misconfigured' });
  });

  it('gives up on a hanging API within the timeout, as retryable, for start and check', async () => {
    fake.behave({ mode: 'ok', hang: true, times: 2 });
    expect(await start({ timeoutMs: 100 })).toEqual({ kind: 'retryable', reason: 'twilio verify: no answer within 100 ms' });
    expect(await provider({ timeoutMs: 100 }).checkVerification({ to: TO, providerVerificationId: 'VE1', code: '123456' })).toEqual({
      kind: 'retryable',
      reason: 'twilio verify: no answer within 100 ms',
    });
  });
});

describe('TWILIO_VERIFY definition', () => {
  const valid: SmsProviderSettings = {
    type: 'TWILIO_VERIFY',
    countries: [],
    credentials: { accountSid: `AC${'0'.repeat(32)}`, authToken: 'token', serviceSid: `VA${'0'.repeat(32)}` },
  };

  it('validates the three credentials and refuses a sender', () => {
    expect(twilioVerifySmsProviderDefinition.validate(valid)).toEqual([]);
    expect(twilioVerifySmsProviderDefinition.defaultBaseUrl).toBe('https://verify.twilio.com');
    expect(
      twilioVerifySmsProviderDefinition.validate({ ...valid, sender: '+15005550006', credentials: { accountSid: valid.credentials['accountSid'] ?? '', serviceSid: 'MG1' } }),
    ).toEqual([
      { field: 'credentials.authToken', message: 'is required' },
      { field: 'credentials.serviceSid', message: 'must be a Verify Service SID (VA followed by 32 hex digits)' },
      { field: 'sender', message: 'is not used by TWILIO_VERIFY' },
    ]);
  });

  it('creates a plain provider that refuses to send our own text', async () => {
    const provider = twilioVerifySmsProviderDefinition.create(valid, { post: providerPost, log: jest.fn() });
    expect(provider.type).toBe('TWILIO_VERIFY');
    expect(
      await provider.send({ id: 'm', tenant: 't', to: TO, body: 'x', locale: 'en', createdAt: new Date(0) }),
    ).toEqual({ kind: 'misconfigured', reason: 'TWILIO_VERIFY sends its own message: use the delegated verification flow' });
  });

  it('names locales as Twilio Verify does', () => {
    expect(twilioVerifyLocale('ja-JP')).toBe('ja');
    expect(twilioVerifyLocale('en')).toBe('en');
    expect(twilioVerifyLocale('pt_br')).toBe('pt-BR');
    expect(twilioVerifyLocale('zh-HK')).toBe('zh-HK');
    expect(twilioVerifyLocale('')).toBeUndefined();
  });
});
