import { createHmac } from 'node:crypto';
import { type FakeHttpServer, startFakeHttpServer, startTwilioFake, type TwilioFake } from '@honnin/testing';
import type { InboundReceipt, SmsProviderSettings } from '../../port/sms-provider.port';
import { twilioDeliveryReceiptParser } from './twilio.delivery-receipt-parser';
import { twilioSignature, twilioSignedUrlCandidates } from './twilio-signature';

describe('TWILIO status callbacks', () => {
  let twilio: TwilioFake;
  let gateway: FakeHttpServer;
  let settings: SmsProviderSettings;

  beforeAll(async () => {
    [twilio, gateway] = await Promise.all([startTwilioFake(), startFakeHttpServer(() => ({ status: 204 }))]);
    settings = {
      type: 'TWILIO',
      sender: '+15005550006',
      countries: [],
      credentials: { accountSid: twilio.account.accountSid, authToken: twilio.account.authToken },
    };
  });
  afterAll(() => Promise.all([twilio.close(), gateway.close()]));

  /** Has the fake post a signed callback to the gateway stand-in and hands it over as the HTTP layer would. */
  async function callback(params: Record<string, string>, authToken?: string): Promise<InboundReceipt> {
    const url = `${gateway.url}/sms/receipts/twilio?message=msg-1`;
    expect(await twilio.sendStatusCallback(url, params, { authToken })).toBe(204);
    const posted = gateway.requests.at(-1);
    return {
      url,
      method: posted?.method ?? '',
      headers: posted?.headers ?? {},
      rawBody: posted?.rawBody ?? '',
      params: { ...posted?.query, ...posted?.form },
    };
  }

  const base = { MessageSid: `SM${'9'.repeat(32)}`, AccountSid: `AC${'1'.repeat(32)}`, To: '+819012345678', From: '+15005550006' };

  it('reads delivered as DELIVERED', async () => {
    expect(twilioDeliveryReceiptParser.parse(await callback({ ...base, MessageStatus: 'delivered' }), settings)).toEqual({
      kind: 'ok',
      providerMessageId: base.MessageSid,
      state: 'DELIVERED',
      providerStatus: 'delivered',
    });
  });

  it.each(['undelivered', 'failed'])('reads %s as FAILED with its ErrorCode', async (status) => {
    expect(twilioDeliveryReceiptParser.parse(await callback({ ...base, MessageStatus: status, ErrorCode: '30003' }), settings)).toEqual({
      kind: 'ok',
      providerMessageId: base.MessageSid,
      state: 'FAILED',
      providerStatus: status,
      errorCode: '30003',
    });
  });

  it('reads sent as SENT', async () => {
    expect(twilioDeliveryReceiptParser.parse(await callback({ ...base, MessageStatus: 'sent' }), settings)).toMatchObject({
      kind: 'ok',
      state: 'SENT',
    });
  });

  it.each(['queued', 'accepted', 'sending', 'scheduled', 'constructor'])('ignores %s', async (status) => {
    expect(twilioDeliveryReceiptParser.parse(await callback({ ...base, MessageStatus: status }), settings)).toEqual({
      kind: 'ignored',
      reason: `status ${status}`,
    });
  });

  it('rejects a callback signed with another token', async () => {
    expect(twilioDeliveryReceiptParser.parse(await callback({ ...base, MessageStatus: 'delivered' }, 'forged'), settings)).toEqual({
      kind: 'bad_signature',
    });
  });

  it('rejects a signed callback whose parameters or URL were changed', async () => {
    const receipt = await callback({ ...base, MessageStatus: 'failed' });
    const tamperedBody = receipt.rawBody.replace('failed', 'delivered');
    expect(
      twilioDeliveryReceiptParser.parse({ ...receipt, rawBody: tamperedBody, params: { ...receipt.params, MessageStatus: 'delivered' } }, settings),
    ).toEqual({ kind: 'bad_signature' });
    expect(twilioDeliveryReceiptParser.parse({ ...receipt, url: receipt.url.replace('msg-1', 'msg-2') }, settings)).toEqual({
      kind: 'bad_signature',
    });
    expect(twilioDeliveryReceiptParser.parse({ ...receipt, headers: {} }, settings)).toEqual({ kind: 'bad_signature' });
  });

  it('calls a signed callback without MessageSid malformed', async () => {
    expect(twilioDeliveryReceiptParser.parse(await callback({ MessageStatus: 'delivered' }), settings)).toEqual({
      kind: 'malformed',
      reason: 'MessageSid is missing',
    });
  });
});

describe('Twilio signature', () => {
  it('matches the documented example', () => {
    // From Twilio's "Webhooks security" page: token 12345, this URL and these parameters.
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const params: Array<[string, string]> = [
      ['CallSid', 'CA1234567890ABCDE'],
      ['Caller', '+12349013030'],
      ['Digits', '1234'],
      ['From', '+12349013030'],
      ['To', '+18005551212'],
    ];
    expect(twilioSignature('12345', url, params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it('signs repeated parameters value by value, sorted by name then value', () => {
    expect(twilioSignature('t', 'https://x/', [['b', '3'], ['A', '2'], ['A', '1'], ['a', 'A']])).toBe(
      createHmac('sha1', 't').update('https://x/A1A2aAb3').digest('base64'),
    );
  });

  it('tries the URL with and without the default port', () => {
    expect(twilioSignedUrlCandidates('https://a.example/x?y=1')).toEqual(['https://a.example/x?y=1', 'https://a.example:443/x?y=1']);
    expect(twilioSignedUrlCandidates('https://a.example:443/x')).toEqual(['https://a.example:443/x', 'https://a.example/x']);
    expect(twilioSignedUrlCandidates('http://127.0.0.1:8080/x')).toEqual(['http://127.0.0.1:8080/x']);
  });
});
