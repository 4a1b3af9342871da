import { providerPost } from '../shared/provider-post';
import { startVonageFake, type VonageFake } from '@honnin/testing';
import type { OutgoingSms, SmsProviderDeps, SmsProviderSettings } from '../../port/sms-provider.port';
import { vonageSmsProviderDefinition } from './vonage.sms-provider';

const MESSAGE: OutgoingSms = {
  id: 'msg-0001',
  tenant: 'acme',
  to: '+819012345678',
  body: 'Your code is 123456',
  locale: 'en',
  createdAt: new Date('2026-03-01T09:00:00Z'),
};

describe('VONAGE provider against the Vonage fake', () => {
  let fake: VonageFake;
  const log = jest.fn();
  const deps: SmsProviderDeps = { post: providerPost, log };
  const settings = (overrides: Partial<SmsProviderSettings> = {}): SmsProviderSettings => ({
    type: 'VONAGE',
    baseUrl: fake.url,
    sender: 'HONNIN',
    countries: [],
    credentials: { apiKey: fake.account.apiKey, apiSecret: fake.account.apiSecret },
    timeoutMs: 1000,
    ...overrides,
  });
  const send = (overrides: Partial<SmsProviderSettings> = {}, message: OutgoingSms = MESSAGE) =>
    vonageSmsProviderDefinition.create(settings(overrides), deps).send(message);

  beforeEach(async () => {
    fake = await startVonageFake();
    log.mockClear();
  });
  afterEach(() => fake.close());

  it('POSTs /sms/json with credentials, digits-only numbers and our id as client-ref', async () => {
    expect(await send()).toEqual({ kind: 'sent', providerMessageId: fake.messages[0]?.messageId });

    const request = fake.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/sms/json');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.form).toEqual({
      api_key: fake.account.apiKey,
      api_secret: fake.account.apiSecret,
      from: 'HONNIN',
      to: '819012345678',
      text: 'Your code is 123456',
      'client-ref': 'msg-0001',
    });
    expect(log).not.toHaveBeenCalled();
  });

  it('marks non-GSM text as unicode and asks for a receipt at the callback URL', async () => {
    const japanese = { ...MESSAGE, body: '認証コードは 123456 です', statusCallbackUrl: 'https://auth.example.com/r/vonage' };
    expect(await send({ sender: '+15005550006' }, japanese)).toMatchObject({ kind: 'sent' });
    expect(fake.requests[0]?.form).toMatchObject({
      from: '15005550006',
      type: 'unicode',
      text: '認証コードは 123456 です',
      'status-report-req': '1',
      callback: 'https://auth.example.com/r/vonage',
    });
  });

  it('is refused with status 4 for a wrong secret', async () => {
    expect(await send({ credentials: { apiKey: fake.account.apiKey, apiSecret: 'wrong' } })).toEqual({
      kind: 'auth_failed',
      reason: 'vonage: status 4',
    });
  });

  it.each([
    [1, 'rate_limited'],
    [2, 'misconfigured'],
    [3, 'invalid_recipient'],
    [4, 'auth_failed'],
    [5, 'retryable'],
    [6, 'invalid_recipient'],
    [7, 'invalid_recipient'],
    [8, 'misconfigured'],
    [9, 'misconfigured'],
    [13, 'retryable'],
    [14, 'auth_failed'],
    [15, 'misconfigured'],
    [29, 'misconfigured'],
    [99, 'misconfigured'],
  ])('classifies per-message status %i as %s', async (status, kind) => {
    fake.failWith(status);
    expect(await send()).toEqual({ kind, reason: `vonage: status ${status}` });
    expect(await send()).toMatchObject({ kind: 'sent' });
  });

  it('lets the first failing part of a long message decide', async () => {
    fake.behave({
      mode: 'status',
      status: 200,
      body: { 'message-count': '2', messages: [{ status: '0', 'message-id': 'A' }, { status: '1', 'error-text': 'Throttled' }] },
      times: 1,
    });
    expect(await send()).toEqual({ kind: 'rate_limited', reason: 'vonage: status 1' });
  });

  it.each([
    [429, 'rate_limited'],
    [401, 'auth_failed'],
    [500, 'retryable'],
    [502, 'retryable'],
    [404, 'misconfigured'],
  ])('classifies an HTTP %i without per-message statuses as %s', async (status, kind) => {
    fake.behave({ mode: 'status', status, body: { type: 'x', title: 'x' }, times: 1 });
    expect(await send()).toMatchObject({ kind, reason: `vonage: HTTP ${status}` });
  });

  it('calls a 200 without messages misconfigured', async () => {
    fake.behave({ mode: 'status', status: 200, body: '<html></html>', times: 1 });
    expect(await send()).toEqual({ kind: 'misconfigured', reason: 'vonage: HTTP 200 without messages' });
  });

  it('gives up on a hanging API within the configured timeout, as retryable', async () => {
    fake.behave({ mode: 'ok', hang: true, times: 1 });
    expect(await send({ timeoutMs: 100 })).toEqual({ kind: 'retryable', reason: 'vonage: no answer within 100 ms' });
    expect(await send()).toMatchObject({ kind: 'sent' });
  });
});

describe('VONAGE settings', () => {
  const valid: SmsProviderSettings = { type: 'VONAGE', sender: 'HONNIN', countries: [], credentials: { apiKey: 'k', apiSecret: 's' } };

  it('accepts an optional signature secret and a number or alphanumeric sender', () => {
    expect(vonageSmsProviderDefinition.validate(valid)).toEqual([]);
    expect(vonageSmsProviderDefinition.validate({ ...valid, sender: '+15005550006', credentials: { ...valid.credentials, signatureSecret: 'x' } })).toEqual([]);
    expect(vonageSmsProviderDefinition.defaultBaseUrl).toBe('https://rest.nexmo.com');
  });

  it('names every problem by its field', () => {
    expect(vonageSmsProviderDefinition.validate({ ...valid, sender: 'A sender that is too long', credentials: { apiKey: 'k' } })).toEqual([
      { field: 'credentials.apiSecret', message: 'is required' },
      { field: 'sender', message: 'must be a number in international format or an alphanumeric sender id (up to 11 characters)' },
    ]);
    expect(vonageSmsProviderDefinition.validate({ ...valid, sender: undefined })).toEqual([
      { field: 'sender', message: 'is required: a number in international format or an alphanumeric sender id' },
    ]);
  });
});
