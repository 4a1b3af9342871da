import { providerPost } from '../shared/provider-post';
import { startTwilioFake, type TwilioFake } from '@honnin/testing';
import type { OutgoingSms, SmsProviderDeps, SmsProviderSettings } from '../../port/sms-provider.port';
import { twilioSmsProviderDefinition } from './twilio.sms-provider';

const FROM = '+15005550006';
const MESSAGING_SERVICE = `MG${'a'.repeat(32)}`;
const MESSAGE: OutgoingSms = {
  id: 'msg-0001',
  tenant: 'acme',
  to: '+819012345678',
  body: 'Your code is 123456',
  locale: 'ja-JP',
  createdAt: new Date('2026-03-01T09:00:00Z'),
  statusCallbackUrl: 'https://auth.example.com/sms/receipts/twilio?message=msg-0001',
};

describe('TWILIO provider against the Twilio fake', () => {
  let fake: TwilioFake;
  const log = jest.fn();
  const deps: SmsProviderDeps = { post: providerPost, log };
  const settings = (overrides: Partial<SmsProviderSettings> = {}): SmsProviderSettings => ({
    type: 'TWILIO',
    baseUrl: fake.url,
    sender: FROM,
    countries: [],
    credentials: { accountSid: fake.account.accountSid, authToken: fake.account.authToken },
    timeoutMs: 1000,
    ...overrides,
  });
  const send = (overrides: Partial<SmsProviderSettings> = {}, message: OutgoingSms = MESSAGE) =>
    twilioSmsProviderDefinition.create(settings(overrides), deps).send(message);

  beforeEach(async () => {
    fake = await startTwilioFake();
    log.mockClear();
  });
  afterEach(() => fake.close());

  it('POSTs the Messages form with HTTP Basic and answers the message sid', async () => {
    const outcome = await send();

    expect(outcome).toEqual({ kind: 'sent', providerMessageId: fake.messages[0]?.sid });
    expect(fake.messages[0]?.sid).toMatch(/^SM[0-9a-f]{32}$/);
    const request = fake.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/2010-04-01/Accounts/${fake.account.accountSid}/Messages.json`);
    expect(request?.headers['authorization']).toBe(
      `Basic ${Buffer.from(`${fake.account.accountSid}:${fake.account.authToken}`).toString('base64')}`,
    );
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.form).toEqual({
      To: '+819012345678',
      From: FROM,
      Body: 'Your code is 123456',
      StatusCallback: 'https://auth.example.com/sms/receipts/twilio?message=msg-0001',
    });
    expect(fake.inbox('+819012345678')).toEqual(['Your code is 123456']);
    expect(log).not.toHaveBeenCalled();
  });

  it('sends through a Messaging Service when the sender is an MG sid, and omits an absent callback', async () => {
    const { statusCallbackUrl: _omitted, ...withoutCallback } = MESSAGE;
    expect(await send({ sender: MESSAGING_SERVICE }, withoutCallback)).toMatchObject({ kind: 'sent' });
    expect(fake.requests[0]?.form).toEqual({ To: '+819012345678', MessagingServiceSid: MESSAGING_SERVICE, Body: 'Your code is 123456' });
    expect(fake.messages[0]?.status).toBe('accepted');
  });

  it('takes a base URL with a trailing slash', async () => {
    expect(await send({ baseUrl: `${fake.url}/` })).toMatchObject({ kind: 'sent' });
  });

  it('is refused with 20003 for a wrong auth token', async () => {
    expect(await send({ credentials: { accountSid: fake.account.accountSid, authToken: 'wrong' } })).toEqual({
      kind: 'auth_failed',
      reason: 'twilio: HTTP 401, error 20003',
    });
  });

  it('gets 21211 from the fake for a malformed number', async () => {
    expect(await send({}, { ...MESSAGE, to: '+0123' })).toEqual({ kind: 'invalid_recipient', reason: 'twilio: HTTP 400, error 21211' });
  });

  it.each([
    [21211, 400, 'invalid_recipient'],
    [21614, 400, 'invalid_recipient'],
    [21408, 400, 'invalid_recipient'],
    [21610, 400, 'invalid_recipient'],
    [20003, 401, 'auth_failed'],
    [20003, 403, 'auth_failed'],
    [20429, 429, 'rate_limited'],
    [20429, 400, 'rate_limited'],
    [21603, 400, 'misconfigured'],
    [20404, 404, 'misconfigured'],
    [20500, 500, 'retryable'],
    [20503, 503, 'retryable'],
  ])('classifies error %i (HTTP %i) as %s', async (code, status, kind) => {
    fake.failWith(code, { status });
    expect(await send()).toEqual({ kind, reason: `twilio: HTTP ${status}, error ${code}` });
  });

  it('classifies a bare 401 as auth_failed and a bare 429 as rate_limited with its Retry-After', async () => {
    fake.behave({ mode: 'status', status: 401, body: 'Unauthorized', times: 1 });
    expect(await send()).toEqual({ kind: 'auth_failed', reason: 'twilio: HTTP 401' });
    fake.behave({ mode: 'status', status: 429, body: '', headers: { 'retry-after': '5' }, times: 1 });
    expect(await send()).toEqual({ kind: 'rate_limited', reason: 'twilio: HTTP 429', retryAfterSeconds: 5 });
  });

  it('recovers once a rate limit has passed', async () => {
    fake.failWith(20429, { times: 2, retryAfter: '1' });
    expect(await send()).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 1 });
    expect(await send()).toMatchObject({ kind: 'rate_limited' });
    expect(await send()).toMatchObject({ kind: 'sent' });
  });

  it('calls a 2xx without a sid misconfigured', async () => {
    fake.behave({ mode: 'status', status: 200, body: '<html>proxy</html>', times: 1 });
    expect(await send()).toEqual({ kind: 'misconfigured', reason: 'twilio: HTTP 200 without a message sid' });
  });

  it('gives up on a hanging API within the configured timeout, as retryable', async () => {
    fake.behave({ mode: 'ok', hang: true, times: 1 });
    expect(await send({ timeoutMs: 100 })).toEqual({ kind: 'retryable', reason: 'twilio: no answer within 100 ms' });
  });

  it('still answers after a slow response within the timeout', async () => {
    fake.behave({ mode: 'ok', delayMs: 20, times: 1 });
    expect(await send()).toMatchObject({ kind: 'sent' });
  });
});

describe('TWILIO settings', () => {
  const valid: SmsProviderSettings = {
    type: 'TWILIO',
    sender: '+15005550006',
    countries: [],
    credentials: { accountSid: `AC${'0'.repeat(32)}`, authToken: 'token' },
  };

  it('accepts a number, short code, alphanumeric id or Messaging Service as sender', () => {
    for (const sender of ['+15005550006', '12345', 'HONNIN', 'Honnin 2FA', MESSAGING_SERVICE]) {
      expect(twilioSmsProviderDefinition.validate({ ...valid, sender })).toEqual([]);
    }
    expect(twilioSmsProviderDefinition.defaultBaseUrl).toBe('https://api.twilio.com');
  });

  it('names every problem by its field', () => {
    expect(
      twilioSmsProviderDefinition.validate({ ...valid, sender: undefined, credentials: { accountSid: 'SK123' }, baseUrl: 'twilio' }),
    ).toEqual([
      { field: 'credentials.accountSid', message: 'must be an Account SID (AC followed by 32 hex digits)' },
      { field: 'credentials.authToken', message: 'is required' },
      { field: 'baseUrl', message: 'must be an http(s) URL' },
      { field: 'sender', message: 'is required: a From number, alphanumeric sender id or Messaging Service SID (MG…)' },
    ]);
    expect(twilioSmsProviderDefinition.validate({ ...valid, sender: 'MG123' })).toEqual([
      { field: 'sender', message: 'a Messaging Service SID is MG followed by 32 hex digits' },
    ]);
    expect(twilioSmsProviderDefinition.validate({ ...valid, sender: '090-1234-5678' })).toHaveLength(1);
  });
});
