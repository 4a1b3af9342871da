import { providerPost } from '../shared/provider-post';
import { createHmac } from 'node:crypto';
import { startFakeHttpServer, startWebhookReceiverFake, type WebhookReceiverFake } from '@honnin/testing';
import type { OutgoingSms, SmsProviderDeps, SmsProviderSettings } from '../../port/sms-provider.port';
import { createWebhookSmsProviderDefinition, webhookSmsProviderDefinition } from './webhook.sms-provider';

const SECRET = 'whsec-test';
const NOW = new Date('2026-03-01T09:00:00.000Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);
const MESSAGE: OutgoingSms = {
  id: 'msg-0001',
  tenant: 'acme',
  to: '+819012345678',
  body: 'Your code is 123456',
  locale: 'ja-JP',
  createdAt: new Date('2026-03-01T08:59:59.000Z'),
};

describe('WEBHOOK provider against a local receiver', () => {
  let receiver: WebhookReceiverFake;
  const log = jest.fn();
  const deps: SmsProviderDeps = { post: providerPost, log };
  const definition = createWebhookSmsProviderDefinition({ now: () => NOW });
  const settings = (overrides: Partial<SmsProviderSettings> = {}): SmsProviderSettings => ({
    type: 'WEBHOOK',
    baseUrl: receiver.endpoint,
    countries: [],
    credentials: { secret: SECRET },
    timeoutMs: 1000,
    ...overrides,
  });
  const send = (overrides: Partial<SmsProviderSettings> = {}) => definition.create(settings(overrides), deps).send(MESSAGE);

  beforeEach(async () => {
    receiver = await startWebhookReceiverFake({ secret: SECRET });
    log.mockClear();
  });
  afterEach(() => receiver.close());

  it('POSTs the signed JSON message and keeps the id the receiver answered', async () => {
    expect(await send()).toEqual({ kind: 'sent', providerMessageId: 'rcv-1' });

    const request = receiver.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/sms');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.json).toEqual({
      id: 'msg-0001',
      tenant: 'acme',
      to: '+819012345678',
      body: 'Your code is 123456',
      locale: 'ja-JP',
      createdAt: '2026-03-01T08:59:59.000Z',
    });
    const expected = createHmac('sha256', SECRET).update(`${NOW_SECONDS}.${request?.rawBody}`).digest('hex');
    expect(request?.headers['x-honnin-signature']).toBe(`t=${NOW_SECONDS},v1=${expected}`);
    expect(await receiver.next('+819012345678')).toMatchObject({ id: 'msg-0001', signed: true, signedAt: NOW_SECONDS });
    expect(log).not.toHaveBeenCalled();
  });

  it('keeps our own id when the receiver answers none', async () => {
    const quiet = await startWebhookReceiverFake({ secret: SECRET, answerWithId: false });
    try {
      expect(await send({ baseUrl: quiet.endpoint })).toEqual({ kind: 'sent', providerMessageId: 'msg-0001' });
    } finally {
      await quiet.close();
    }
  });

  it('is refused by the receiver when signed with another secret', async () => {
    expect(await send({ credentials: { secret: 'wrong' } })).toEqual({ kind: 'auth_failed', reason: 'webhook: HTTP 401' });
    expect(receiver.messages[0]?.signed).toBe(false);
  });

  it.each([
    [403, 'auth_failed'],
    [400, 'invalid_recipient'],
    [404, 'invalid_recipient'],
    [422, 'invalid_recipient'],
    [405, 'misconfigured'],
    [410, 'misconfigured'],
    [500, 'retryable'],
    [503, 'retryable'],
    [302, 'misconfigured'],
  ])('classifies HTTP %i as %s', async (status, kind) => {
    receiver.behave({ mode: 'status', status, body: { error: 'x' }, headers: { location: 'http://127.0.0.1:1/' } });
    expect(await send()).toEqual({ kind, reason: `webhook: HTTP ${status}` });
  });

  it('honours Retry-After on 429, in seconds or as an HTTP date', async () => {
    receiver.behave({ mode: 'status', status: 429, headers: { 'retry-after': '17' }, times: 1 });
    expect(await send()).toEqual({ kind: 'rate_limited', reason: 'webhook: HTTP 429', retryAfterSeconds: 17 });

    receiver.behave({ mode: 'status', status: 429, headers: { 'retry-after': new Date(NOW.getTime() + 42_000).toUTCString() }, times: 1 });
    expect(await send()).toEqual({ kind: 'rate_limited', reason: 'webhook: HTTP 429', retryAfterSeconds: 42 });

    // The two refused posts never reached the receiver's handler: this is its first message.
    expect(await send()).toEqual({ kind: 'sent', providerMessageId: 'rcv-1' });
  });

  it('gives up a hanging receiver after the configured timeout as retryable', async () => {
    receiver.behave({ mode: 'ok', hang: true, times: 1 });
    const started = performance.now();
    expect(await send({ timeoutMs: 150 })).toEqual({ kind: 'retryable', reason: 'webhook: no answer within 150 ms' });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await send()).toMatchObject({ kind: 'sent' });
  });

  it('treats a refused connection as retryable', async () => {
    const closed = await startFakeHttpServer(() => ({ status: 200 }));
    await closed.close();
    expect(await send({ baseUrl: closed.url })).toEqual({ kind: 'retryable', reason: 'webhook: network error (ECONNREFUSED)' });
  });
});

describe('WEBHOOK settings', () => {
  const base: SmsProviderSettings = { type: 'WEBHOOK', baseUrl: 'https://sms.example.com/hook', countries: [], credentials: { secret: 's' } };

  it('accepts a URL and a secret', () => {
    expect(webhookSmsProviderDefinition.validate(base)).toEqual([]);
    expect(webhookSmsProviderDefinition.credentialFields).toEqual([{ name: 'secret', required: true }]);
  });

  it('names every problem by its field', () => {
    const problems = webhookSmsProviderDefinition.validate({
      ...base,
      baseUrl: undefined,
      sender: 'HONNIN',
      credentials: { token: 'x' },
      timeoutMs: 0,
    });
    expect(problems.map((problem) => problem.field).sort()).toEqual(
      ['baseUrl', 'credentials.secret', 'credentials.token', 'sender', 'timeoutMs'].sort(),
    );
  });

  it('refuses a URL that is not http(s) or carries credentials', () => {
    for (const baseUrl of ['ftp://example.com/', 'not a url', 'https://user:pw@example.com/']) {
      expect(webhookSmsProviderDefinition.validate({ ...base, baseUrl })).toEqual([
        { field: 'baseUrl', message: 'must be an http(s) URL' },
      ]);
    }
  });
});
