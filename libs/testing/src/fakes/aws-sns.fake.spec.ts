import { type AwsSnsFake, startAwsSnsFake } from './aws-sns.fake';

describe('AWS SNS fake', () => {
  let fake: AwsSnsFake;
  const sigv4 = () => `AWS4-HMAC-SHA256 Credential=${fake.account.accessKeyId}/20300101/us-east-1/sns/aws4_request, Signature=x`;
  const publish = (fields: Record<string, string>, authorization = sigv4()) =>
    fetch(`${fake.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
      body: new URLSearchParams({ Action: 'Publish', Version: '2010-03-31', ...fields }).toString(),
    }).then(async (response) => [response.status, await response.text()] as const);

  beforeEach(async () => {
    fake = await startAwsSnsFake();
  });
  afterEach(() => fake.close());

  it('answers a PublishResponse and records the attributes', async () => {
    const [status, xml] = await publish({
      PhoneNumber: '+819012345678',
      Message: 'hi',
      'MessageAttributes.entry.1.Name': 'AWS.SNS.SMS.SMSType',
      'MessageAttributes.entry.1.Value.DataType': 'String',
      'MessageAttributes.entry.1.Value.StringValue': 'Transactional',
    });
    expect(status).toBe(200);
    const messageId = /<PublishResult><MessageId>([^<]+)<\/MessageId>/.exec(xml)?.[1];
    expect(fake.published).toEqual([
      { messageId, phoneNumber: '+819012345678', message: 'hi', attributes: { 'AWS.SNS.SMS.SMSType': 'Transactional' } },
    ]);
  });

  it.each([
    ['no SigV4 Authorization header', { PhoneNumber: '+819012345678', Message: 'hi' }, 'Basic x', 403, 'InvalidClientTokenId'],
    ['another access key id', { PhoneNumber: '+819012345678', Message: 'hi' }, 'AWS4-HMAC-SHA256 Credential=AKIAOTHER/x', 403, 'InvalidClientTokenId'],
    ['a number that is not E.164', { PhoneNumber: '09012345678', Message: 'hi' }, undefined, 400, 'InvalidParameter'],
    ['another action', { Action: 'Subscribe' }, undefined, 400, 'InvalidAction'],
  ])('answers an ErrorResponse for %s', async (_label, fields, authorization, status, code) => {
    const [answeredStatus, xml] = await publish(fields, authorization);
    expect(answeredStatus).toBe(status);
    expect(xml).toMatch(new RegExp(`^<ErrorResponse [^>]*><Error><Type>Sender</Type><Code>${code}</Code><Message>`));
    expect(fake.published).toHaveLength(0);
  });

  it('answers a forced error with a Receiver type for 5xx', async () => {
    fake.failWith({ code: 'InternalError', status: 500 });
    const [status, xml] = await publish({ PhoneNumber: '+819012345678', Message: 'hi' });
    expect(status).toBe(500);
    expect(xml).toContain('<Type>Receiver</Type><Code>InternalError</Code>');
  });
});
