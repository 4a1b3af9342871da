import { providerPost } from '../shared/provider-post';
import { type MediaSmsFake, startMediaSmsFake } from '@honnin/testing';
import type { OutgoingSms, SmsProviderSettings } from '../../port/sms-provider.port';
import { mediaSmsProviderDefinition, mediaSmsReference } from './media-sms.sms-provider';

const MESSAGE: OutgoingSms = {
  id: '0f8c2a4e-5d7b-4e0c-9f3a-1b2c3d4e5f60',
  tenant: 'tenant-a',
  to: '+818012345678',
  body: '認証コード 123456',
  locale: 'ja',
  createdAt: new Date('2030-01-01T00:00:00Z'),
};

describe('MEDIA_SMS adapter against the fake', () => {
  let fake: MediaSmsFake;
  const deps = { post: providerPost, log: () => undefined };

  beforeAll(async () => {
    fake = await startMediaSmsFake();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.resetBehaviour();
    fake.requests.length = 0;
    fake.accepted.length = 0;
  });

  const provider = (overrides: Partial<SmsProviderSettings> = {}) =>
    mediaSmsProviderDefinition.create(
      { type: 'MEDIA_SMS', baseUrl: fake.url, countries: ['JP'], credentials: { ...fake.account }, ...overrides },
      deps,
    );

  it('posts Basic auth and the domestic number, text and a short reference derived from our id', async () => {
    const outcome = await provider().send(MESSAGE);

    const smsid = mediaSmsReference(MESSAGE.id);
    expect(smsid).toMatch(/^[0-9a-f]{20}$/);
    expect(outcome).toEqual({ kind: 'sent', providerMessageId: smsid });
    const request = fake.requests[0];
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/api/');
    const expectedAuth = `Basic ${Buffer.from(`${fake.account.username}:${fake.account.password}`).toString('base64')}`;
    expect(request.headers['authorization']).toBe(expectedAuth);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.form).toEqual({ mobilenumber: '08012345678', smstext: MESSAGE.body, smsid });
  });

  it('derives a stable reference per message and a different one per message', () => {
    expect(mediaSmsReference('a')).toBe(mediaSmsReference('a'));
    expect(mediaSmsReference('a')).not.toBe(mediaSmsReference('b'));
  });

  it('treats a retry of the same message (duplicate smsid) as sent without a second SMS', async () => {
    const first = await provider().send(MESSAGE);
    const retry = await provider().send(MESSAGE);
    expect(fake.requests).toHaveLength(2);
    expect(fake.accepted).toHaveLength(1);
    expect(retry).toEqual(first);
  });

  it.each([
    ['a US number', '+12025550123'],
    ['a Japanese landline', '+81312345678'],
  ])('refuses %s as invalid_recipient without calling Media SMS', async (_label, to) => {
    expect((await provider().send({ ...MESSAGE, to })).kind).toBe('invalid_recipient');
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a text over 670 characters as misconfigured without calling Media SMS', async () => {
    expect((await provider().send({ ...MESSAGE, body: 'あ'.repeat(671) })).kind).toBe('misconfigured');
    expect(fake.requests).toHaveLength(0);
  });

  it('classifies a wrong password (401 from the fake) as auth_failed', async () => {
    const outcome = await provider({ credentials: { ...fake.account, password: 'wrong-password' } }).send(MESSAGE);
    expect(outcome).toEqual({ kind: 'auth_failed', reason: 'result 401' });
  });

  it('classifies a number the fake refuses (060 prefix with X=0) as invalid_recipient', async () => {
    expect((await provider().send({ ...MESSAGE, to: '+816001234567' })).kind).toBe('invalid_recipient');
    expect(fake.requests).toHaveLength(1);
  });

  it.each([
    ['200', 'sent'],
    ['587', 'sent'],
    ['624', 'sent'],
    ['401', 'auth_failed'],
    ['560', 'invalid_recipient'],
    ['585', 'misconfigured'],
    ['555', 'misconfigured'],
    ['550', 'retryable'],
    ['999', 'retryable'],
    ['400', 'misconfigured'],
  ])('classifies result code %s as %s', async (code, kind) => {
    fake.answerCode(code);
    const outcome = await provider().send(MESSAGE);
    expect(outcome.kind).toBe(kind);
    if (outcome.kind === 'sent') expect(outcome.providerMessageId).toBe(mediaSmsReference(MESSAGE.id));
  });

  it.each([
    [500, 'retryable'],
    [503, 'retryable'],
    [429, 'rate_limited'],
    [404, 'misconfigured'],
  ])('classifies HTTP %s without a result code as %s', async (status, kind) => {
    fake.behave({ mode: 'status', status, body: '<html>error</html>' });
    expect((await provider().send(MESSAGE)).kind).toBe(kind);
  });

  it('never counts a success code on an HTTP error as sent', async () => {
    fake.behave({ mode: 'status', status: 502, body: '200' });
    expect((await provider().send(MESSAGE)).kind).toBe('retryable');
  });

  it('classifies HTTP 200 without a bare result code as misconfigured', async () => {
    fake.behave({ mode: 'status', status: 200, body: '<html>welcome</html>' });
    expect((await provider().send(MESSAGE)).kind).toBe('misconfigured');
  });

  it('gives up on a hanging Media SMS within timeoutMs as retryable', async () => {
    fake.behave({ mode: 'ok', hang: true, times: 1 });
    const started = Date.now();
    const outcome = await provider({ timeoutMs: 200 }).send(MESSAGE);
    expect(outcome).toEqual({ kind: 'retryable', reason: 'no answer within 200 ms' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});

describe('mediaSmsProviderDefinition.validate', () => {
  const valid: SmsProviderSettings = {
    type: 'MEDIA_SMS',
    baseUrl: 'https://media-sms.example',
    countries: ['JP'],
    credentials: { username: 'honnin', password: 'secret-1' },
  };

  it('accepts complete settings', () => {
    expect(mediaSmsProviderDefinition.validate(valid)).toEqual([]);
  });

  it('requires baseUrl, both credentials and no sender', () => {
    const problems = mediaSmsProviderDefinition.validate({
      ...valid,
      baseUrl: undefined,
      sender: 'X',
      credentials: { username: 'a:b' },
    });
    expect(problems.map((p) => p.field).sort()).toEqual(['baseUrl', 'credentials.password', 'credentials.username', 'sender']);
  });
});
