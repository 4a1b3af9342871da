import { providerPost } from '../shared/provider-post';
import { type KaradenFake, startFakeHttpServer, startKaradenFake } from '@honnin/testing';
import type { InboundReceipt, OutgoingSms, SmsProviderSettings } from '../../port/sms-provider.port';
import { toJapaneseDomesticNumber } from '../shared/japanese-domestic-number';
import { karadenDeliveryReceiptParser as parser } from './karaden.delivery-receipt-parser';
import { KARADEN_API_VERSION, karadenSmsProviderDefinition } from './karaden.sms-provider';

const MESSAGE: OutgoingSms = {
  id: '0f8c2a4e-5d7b-4e0c-9f3a-1b2c3d4e5f60',
  tenant: 'tenant-a',
  to: '+819012345678',
  body: '認証コード 123456',
  locale: 'ja',
  createdAt: new Date('2030-01-01T00:00:00Z'),
};

describe('KARADEN adapter against the fake', () => {
  let fake: KaradenFake;
  const deps = { post: providerPost, log: () => undefined };

  beforeAll(async () => {
    fake = await startKaradenFake();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.resetBehaviour();
    fake.requests.length = 0;
  });

  function settings(overrides: Partial<SmsProviderSettings> = {}): SmsProviderSettings {
    return {
      type: 'KARADEN',
      baseUrl: fake.url,
      countries: ['JP'],
      credentials: { ...fake.account },
      ...overrides,
    };
  }
  const provider = (overrides: Partial<SmsProviderSettings> = {}) =>
    karadenSmsProviderDefinition.create(settings(overrides), deps);

  it('posts the documented request and answers sent with the Karaden message id', async () => {
    const outcome = await provider().send(MESSAGE);

    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0];
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/api/${fake.account.tenantId}/messages`);
    expect(request.headers['authorization']).toBe(`Bearer ${fake.account.token}`);
    expect(request.headers['karaden-version']).toBe(KARADEN_API_VERSION);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.form).toEqual({ service_id: '1', to: '09012345678', body: MESSAGE.body, 'tags[]': MESSAGE.id });

    const [created] = [...fake.messages.values()];
    expect(created.tags).toEqual([MESSAGE.id]);
    expect(outcome).toEqual({ kind: 'sent', providerMessageId: created.id });
  });

  it('accepts a baseUrl with a trailing slash', async () => {
    const outcome = await provider({ baseUrl: `${fake.url}/` }).send(MESSAGE);
    expect(outcome.kind).toBe('sent');
    expect(fake.requests[0].path).toBe(`/api/${fake.account.tenantId}/messages`);
  });

  it.each([
    ['a US number', '+12025550123'],
    ['a Japanese landline', '+81312345678'],
  ])('refuses %s as invalid_recipient without calling Karaden', async (_label, to) => {
    const outcome = await provider().send({ ...MESSAGE, to });
    expect(outcome.kind).toBe('invalid_recipient');
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a body over 660 characters as misconfigured without calling Karaden', async () => {
    const outcome = await provider().send({ ...MESSAGE, body: 'あ'.repeat(661) });
    expect(outcome.kind).toBe('misconfigured');
    expect(fake.requests).toHaveLength(0);
    expect((await provider().send({ ...MESSAGE, body: 'あ'.repeat(660) })).kind).toBe('sent');
  });

  it('classifies a wrong token (401 from the fake) as auth_failed', async () => {
    const outcome = await provider({ credentials: { ...fake.account, token: 'wrong' } }).send(MESSAGE);
    expect(outcome).toEqual({ kind: 'auth_failed', reason: 'HTTP 401 unauthorized' });
  });

  it('classifies a wrong service id (422 on service_id) as misconfigured', async () => {
    const outcome = await provider({ credentials: { ...fake.account, serviceId: '99' } }).send(MESSAGE);
    expect(outcome).toEqual({ kind: 'misconfigured', reason: 'HTTP 422 unprocessable_entity' });
  });

  it('classifies an unknown tenant (404) as misconfigured', async () => {
    const outcome = await provider({ credentials: { ...fake.account, tenantId: 'other-tenant' } }).send(MESSAGE);
    expect(outcome).toEqual({ kind: 'misconfigured', reason: 'HTTP 404 not_found' });
  });

  it.each([
    [{ status: 403, code: 'forbidden' }, 'auth_failed'],
    [{ status: 422, code: 'unprocessable_entity', errors: { to: ['invalid'] } }, 'invalid_recipient'],
    [{ status: 422, code: 'unprocessable_entity', errors: { body: ['invalid'] } }, 'misconfigured'],
    [{ status: 400, code: 'bad_request' }, 'misconfigured'],
    [{ status: 429, code: 'too_many_requests' }, 'rate_limited'],
    [{ status: 500, code: 'internal_server_error' }, 'retryable'],
    [{ status: 503, code: 'service_unavailable' }, 'retryable'],
  ])('classifies %j as %s', async (error, kind) => {
    fake.failWith(error);
    const outcome = await provider().send(MESSAGE);
    expect(outcome.kind).toBe(kind);
    expect(fake.requests).toHaveLength(1);
  });

  it('passes Retry-After on through a 429', async () => {
    fake.behave({ mode: 'status', status: 429, headers: { 'retry-after': '12' }, body: { object: 'error', code: 'x' } });
    expect(await provider().send(MESSAGE)).toEqual({ kind: 'rate_limited', reason: 'HTTP 429 x', retryAfterSeconds: 12 });
  });

  it('classifies a 200 that is not a Karaden message object as misconfigured', async () => {
    fake.behave({ mode: 'status', status: 200, body: '<html>welcome</html>' });
    expect((await provider().send(MESSAGE)).kind).toBe('misconfigured');
  });

  it('gives up on a hanging Karaden within timeoutMs as retryable', async () => {
    fake.behave({ mode: 'ok', hang: true, times: 1 });
    const started = Date.now();
    const outcome = await provider({ timeoutMs: 200 }).send(MESSAGE);
    expect(outcome).toEqual({ kind: 'retryable', reason: 'no answer within 200 ms' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('classifies a refused connection as retryable', async () => {
    const closed = await startFakeHttpServer(() => ({ status: 200 }));
    await closed.close();
    const outcome = await provider({ baseUrl: closed.url }).send(MESSAGE);
    expect(outcome.kind).toBe('retryable');
  });
});

describe('karadenSmsProviderDefinition.validate', () => {
  const valid: SmsProviderSettings = {
    type: 'KARADEN',
    countries: ['JP'],
    credentials: { tenantId: '4a0b3f7e-7b1c-4c55-9a39-5a3c2f7d9e10', token: 't', serviceId: '12' },
  };

  it('accepts complete settings', () => {
    expect(karadenSmsProviderDefinition.validate(valid)).toEqual([]);
    expect(karadenSmsProviderDefinition.validate({ ...valid, baseUrl: 'http://127.0.0.1:9', timeoutMs: 200 })).toEqual([]);
  });

  it('names every problem by its field path', () => {
    const problems = karadenSmsProviderDefinition.validate({
      ...valid,
      baseUrl: 'ftp://example.test',
      sender: 'HONNIN',
      credentials: { tenantId: 'a/b', serviceId: 'abc', apiKey: 'x' },
    });
    expect(problems.map((p) => p.field).sort()).toEqual(
      ['baseUrl', 'credentials.apiKey', 'credentials.serviceId', 'credentials.tenantId', 'credentials.token', 'sender'].sort(),
    );
  });

  it('declares its credential fields', () => {
    expect(karadenSmsProviderDefinition.credentialFields.map((f) => f.name)).toEqual(['tenantId', 'token', 'serviceId']);
  });
});

describe('toJapaneseDomesticNumber', () => {
  it.each([
    ['+819012345678', '09012345678'],
    ['+817012345678', '07012345678'],
    ['+81312345678', undefined],
    ['+12025550123', undefined],
    ['09012345678', undefined],
    ['+8190123456789', undefined],
  ])('%s -> %s', (e164, domestic) => {
    expect(toJapaneseDomesticNumber(e164)).toBe(domestic);
  });
});

describe('karadenDeliveryReceiptParser', () => {
  const settings: SmsProviderSettings = { type: 'KARADEN', countries: [], credentials: {} };
  const receipt = (rawBody: string): InboundReceipt => ({
    url: 'https://honnin.test/webhooks/karaden/secret',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    rawBody,
    params: {},
  });

  it('parses the callback the fake posts after delivery', async () => {
    const fake = await startKaradenFake();
    const receiver = await startFakeHttpServer(() => ({ status: 200, body: 'ok' }));
    try {
      const sent = await karadenSmsProviderDefinition
        .create({ type: 'KARADEN', baseUrl: fake.url, countries: [], credentials: { ...fake.account } }, { post: providerPost, log: () => undefined })
        .send(MESSAGE);
      if (sent.kind !== 'sent') throw new Error(`not sent: ${sent.kind}`);

      expect(await fake.postCallback(`${receiver.url}/hooks/karaden`, sent.providerMessageId, { status: 'done', sent_result: 'received' })).toBe(200);
      const posted = receiver.requests[0];
      expect(posted.headers['karaden-version']).toBe(KARADEN_API_VERSION);
      expect(parser.parse({ ...receipt(posted.rawBody), headers: posted.headers }, settings)).toEqual({
        kind: 'ok',
        providerMessageId: sent.providerMessageId,
        state: 'DELIVERED',
        providerStatus: 'done/received',
      });
    } finally {
      await Promise.all([fake.close(), receiver.close()]);
    }
  });

  it.each([
    ['done', 'unconnected', 'FAILED'],
    ['done', 'error', 'FAILED'],
    ['error', 'none', 'FAILED'],
  ])('maps status %s / sent_result %s to %s', (status, sentResult, state) => {
    const body = JSON.stringify({ id: 'k-1', object: 'message', status, sent_result: sentResult });
    expect(parser.parse(receipt(body), settings)).toMatchObject({ kind: 'ok', providerMessageId: 'k-1', state });
  });

  it.each([
    ['waiting', 'none'],
    ['done', 'unknown'],
    ['canceled', 'none'],
  ])('ignores status %s / sent_result %s', (status, sentResult) => {
    const body = JSON.stringify({ id: 'k-1', object: 'message', status, sent_result: sentResult });
    expect(parser.parse(receipt(body), settings).kind).toBe('ignored');
  });

  it.each([
    ['not JSON', 'id=1'],
    ['not an object', '"message"'],
    ['another object type', JSON.stringify({ id: 'k-1', object: 'error', status: 'done', sent_result: 'received' })],
    ['no id', JSON.stringify({ object: 'message', status: 'done', sent_result: 'received' })],
    ['no sent_result', JSON.stringify({ id: 'k-1', object: 'message', status: 'done' })],
  ])('calls a body that is %s malformed', (_label, body) => {
    expect(parser.parse(receipt(body), settings).kind).toBe('malformed');
  });

  it('does not mistake a prototype key for a known sent_result', () => {
    const body = JSON.stringify({ id: 'k-1', object: 'message', status: 'done', sent_result: 'toString' });
    expect(parser.parse(receipt(body), settings).kind).toBe('ignored');
  });
});
