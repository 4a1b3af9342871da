import { createHmac } from 'node:crypto';
import { codeInBody, signHonninWebhook, startWebhookReceiverFake, type WebhookReceiverFake } from './webhook-receiver.fake';

const SECRET = 'receiver-secret';

function post(receiver: WebhookReceiverFake, message: Record<string, string>, secret = SECRET): Promise<Response> {
  const rawBody = JSON.stringify(message);
  return fetch(receiver.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-honnin-signature': signHonninWebhook(secret, 1_700_000_000, rawBody) },
    body: rawBody,
  });
}

describe('webhook receiver fake', () => {
  let receiver: WebhookReceiverFake;

  beforeEach(async () => {
    receiver = await startWebhookReceiverFake({ secret: SECRET });
  });
  afterEach(() => receiver.close());

  it('signs as documented', () => {
    const expected = createHmac('sha256', 'k').update('1700000000.{"a":1}').digest('hex');
    expect(signHonninWebhook('k', 1_700_000_000, '{"a":1}')).toBe(`t=1700000000,v1=${expected}`);
  });

  it('records a signed message and answers an id', async () => {
    const response = await post(receiver, { id: 'm1', tenant: 't', to: '+8190', body: 'code 123456', locale: 'ja', createdAt: 'x' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: 'rcv-1' });
    expect(receiver.messages[0]).toMatchObject({ id: 'm1', to: '+8190', signed: true, signedAt: 1_700_000_000, path: '/sms' });
  });

  it('refuses and marks a message with a wrong signature', async () => {
    const response = await post(receiver, { id: 'm1', to: '+8190', body: 'x' }, 'other');
    expect(response.status).toBe(401);
    expect(receiver.messages[0]?.signed).toBe(false);
  });

  it('hands each message to one next() call, waiting when none has come yet', async () => {
    const waiting = receiver.next('+8191');
    await post(receiver, { id: 'm1', to: '+8190', body: 'a' });
    await post(receiver, { id: 'm2', to: '+8191', body: 'b' });
    expect((await waiting).id).toBe('m2');
    expect((await receiver.next()).id).toBe('m1');
    await expect(receiver.next(undefined, 50)).rejects.toThrow('webhook receiver: no message');
  });

  it('reads the code out of a body', () => {
    expect(codeInBody('Your code is 123456. Valid 5 minutes.')).toBe('123456');
    expect(codeInBody('認証コード：987654\n\n@example.com #987654')).toBe('987654');
    expect(codeInBody('Call 0120123456 for help', 6)).toBeUndefined();
    expect(codeInBody('code 12345678', 8)).toBe('12345678');
  });
});
