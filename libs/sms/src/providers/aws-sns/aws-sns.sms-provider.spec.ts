import { providerPost } from '../shared/provider-post';
import { type AwsSnsFake, startAwsSnsFake, startFakeHttpServer } from '@honnin/testing';
import type { OutgoingSms, SmsProviderSettings } from '../../port/sms-provider.port';
import { awsSnsSmsProviderDefinition } from './aws-sns.sms-provider';

const MESSAGE: OutgoingSms = {
  id: 'msg-1',
  tenant: 'tenant-a',
  to: '+14155550123',
  body: 'Your code is 123456',
  locale: 'en',
  createdAt: new Date('2030-01-01T00:00:00Z'),
};
const SECRET = 'fake/secret+access+key';

describe('AWS_SNS adapter against the fake', () => {
  let fake: AwsSnsFake;
  const deps = { post: providerPost, log: () => undefined };

  beforeAll(async () => {
    fake = await startAwsSnsFake();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.resetBehaviour();
    fake.requests.length = 0;
    fake.published.length = 0;
    fake.optedOut.clear();
  });

  function settings(overrides: Partial<SmsProviderSettings> = {}): SmsProviderSettings {
    return {
      type: 'AWS_SNS',
      baseUrl: fake.url,
      countries: [],
      credentials: { region: 'ap-northeast-1', accessKeyId: fake.account.accessKeyId, secretAccessKey: SECRET },
      ...overrides,
    };
  }
  const provider = (overrides: Partial<SmsProviderSettings> = {}) =>
    awsSnsSmsProviderDefinition.create(settings(overrides), deps);

  it('publishes a signed Query API request with a Transactional E.164 SMS and answers the MessageId', async () => {
    const outcome = await provider().send(MESSAGE);

    expect(fake.published).toHaveLength(1);
    const [published] = fake.published;
    expect(outcome).toEqual({ kind: 'sent', providerMessageId: published.messageId });
    expect(published).toMatchObject({
      phoneNumber: '+14155550123',
      message: MESSAGE.body,
      attributes: { 'AWS.SNS.SMS.SMSType': 'Transactional' },
    });
    const request = fake.requests[0];
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/');
    expect(request.form).toMatchObject({ Action: 'Publish', Version: '2010-03-31' });
    expect(request.headers['authorization']).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=${fake.account.accessKeyId}/\\d{8}/ap-northeast-1/sns/aws4_request, `),
    );
    expect(request.headers['amz-sdk-request']).toBe('attempt=1; max=1');
  });

  it('adds the SenderID attribute when a sender is set', async () => {
    await provider({ sender: 'HONNIN' }).send(MESSAGE);
    expect(fake.published[0].attributes).toEqual({
      'AWS.SNS.SMS.SMSType': 'Transactional',
      'AWS.SNS.SMS.SenderID': 'HONNIN',
    });
  });

  it('classifies a wrong access key id (InvalidClientTokenId from the fake) as auth_failed', async () => {
    const outcome = await provider({
      credentials: { region: 'ap-northeast-1', accessKeyId: 'AKIAWRONGWRONGWRONG0', secretAccessKey: SECRET },
    }).send(MESSAGE);
    expect(outcome).toEqual({ kind: 'auth_failed', reason: 'HTTP 403 InvalidClientTokenId' });
  });

  it('classifies an opted-out number as invalid_recipient', async () => {
    fake.optedOut.add(MESSAGE.to);
    expect(await provider().send(MESSAGE)).toEqual({ kind: 'invalid_recipient', reason: 'HTTP 400 OptedOut' });
  });

  it('refuses a number that is not E.164 as invalid_recipient without calling SNS', async () => {
    expect((await provider().send({ ...MESSAGE, to: '09012345678' })).kind).toBe('invalid_recipient');
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    ['InvalidParameter', 400, 'invalid_recipient'],
    ['OptedOut', 400, 'invalid_recipient'],
    ['AuthorizationError', 403, 'auth_failed'],
    ['InvalidSecurity', 403, 'auth_failed'],
    ['InvalidClientTokenId', 403, 'auth_failed'],
    ['Throttling', 400, 'rate_limited'],
    ['Throttled', 429, 'rate_limited'],
    ['InternalError', 500, 'retryable'],
    ['ServiceUnavailable', 503, 'retryable'],
    ['SomethingNew', 502, 'retryable'],
    ['SomethingNew', 400, 'misconfigured'],
  ])('classifies %s (HTTP %s) as %s', async (code, status, kind) => {
    fake.failWith({ code, status });
    expect(await provider().send(MESSAGE)).toEqual({ kind, reason: `HTTP ${status} ${code}` });
    expect(fake.requests).toHaveLength(1);
  });

  it('classifies a 200 that is not a PublishResponse as misconfigured', async () => {
    fake.behave({ mode: 'status', status: 200, body: '<html>welcome</html>' });
    expect((await provider().send(MESSAGE)).kind).toBe('misconfigured');
  });

  it('gives up on a hanging SNS within timeoutMs as retryable, without SDK retries', async () => {
    fake.behave({ mode: 'ok', hang: true, times: 1 });
    const started = Date.now();
    const outcome = await provider({ timeoutMs: 200 }).send(MESSAGE);
    expect(outcome).toEqual({ kind: 'retryable', reason: 'no answer within 200 ms' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(fake.requests).toHaveLength(1);
  });

  it('classifies a refused connection as retryable', async () => {
    const closed = await startFakeHttpServer(() => ({ status: 200 }));
    await closed.close();
    expect((await provider({ baseUrl: closed.url }).send(MESSAGE)).kind).toBe('retryable');
  });
});

describe('awsSnsSmsProviderDefinition.validate', () => {
  const valid: SmsProviderSettings = {
    type: 'AWS_SNS',
    countries: [],
    credentials: { region: 'ap-northeast-1', accessKeyId: 'AKIAFAKEHONNIN00TEST', secretAccessKey: SECRET },
  };

  it('accepts complete settings, with or without a SenderID and baseUrl', () => {
    expect(awsSnsSmsProviderDefinition.validate(valid)).toEqual([]);
    expect(awsSnsSmsProviderDefinition.validate({ ...valid, sender: 'Honnin1', baseUrl: 'http://127.0.0.1:4566' })).toEqual([]);
  });

  it('names every problem by its field path', () => {
    const problems = awsSnsSmsProviderDefinition.validate({
      ...valid,
      sender: 'not a sender id',
      baseUrl: 'sns.example',
      credentials: { region: 'tokyo', accessKeyId: 'akia-lower' },
    });
    expect(problems.map((p) => p.field).sort()).toEqual(
      ['baseUrl', 'credentials.accessKeyId', 'credentials.region', 'credentials.secretAccessKey', 'sender'].sort(),
    );
  });

  it('refuses a numeric-only SenderID', () => {
    expect(awsSnsSmsProviderDefinition.validate({ ...valid, sender: '12345' }).map((p) => p.field)).toEqual(['sender']);
  });
});
