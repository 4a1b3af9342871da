import { createHmac } from 'node:crypto';
import { type FakeHttpServer, startFakeHttpServer, startVonageFake, type VonageFake, type VonageReceiptMethod } from '@honnin/testing';
import type { InboundReceipt, SmsProviderSettings } from '../../port/sms-provider.port';
import { vonageDeliveryReceiptParser, vonageReceiptsAreSigned } from './vonage.delivery-receipt-parser';
import { vonageSignature } from './vonage-signature';

describe('VONAGE delivery receipts', () => {
  let vonage: VonageFake;
  let gateway: FakeHttpServer;
  let settings: SmsProviderSettings;
  let messageId: string;

  beforeAll(async () => {
    [vonage, gateway] = await Promise.all([startVonageFake(), startFakeHttpServer(() => ({ status: 204 }))]);
    settings = {
      type: 'VONAGE',
      baseUrl: vonage.url,
      sender: 'HONNIN',
      countries: [],
      credentials: {
        apiKey: vonage.account.apiKey,
        apiSecret: vonage.account.apiSecret,
        signatureSecret: vonage.account.signatureSecret ?? '',
      },
    };
    const response = await fetch(`${vonage.url}/sms/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: vonage.account.apiKey, api_secret: vonage.account.apiSecret, from: 'HONNIN', to: '819012345678', text: 'x', 'client-ref': 'msg-1' }),
    });
    messageId = ((await response.json()) as { messages: Array<{ 'message-id': string }> }).messages[0]?.['message-id'] ?? '';
  });
  afterAll(() => Promise.all([vonage.close(), gateway.close()]));

  /** Has the fake deliver the receipt to the gateway stand-in, then hands it over as the HTTP layer would. */
  async function delivered(params: Record<string, string>, method: VonageReceiptMethod = 'GET'): Promise<InboundReceipt> {
    const url = `${gateway.url}/sms/receipts/vonage`;
    expect(await vonage.sendDeliveryReceipt(url, params, method)).toBe(204);
    const posted = gateway.requests.at(-1);
    const jsonParams = Object.fromEntries(Object.entries((posted?.json ?? {}) as Record<string, string>));
    return {
      url: `${gateway.url}${posted?.path}`,
      method: posted?.method ?? '',
      headers: posted?.headers ?? {},
      rawBody: posted?.rawBody ?? '',
      params: { ...posted?.query, ...posted?.form, ...jsonParams },
    };
  }

  it.each<VonageReceiptMethod>(['GET', 'POST', 'POST-JSON'])('reads a signed delivered receipt sent by %s', async (method) => {
    const receipt = await delivered(vonage.deliveryReceipt(messageId, 'delivered'), method);
    expect(vonageDeliveryReceiptParser.parse(receipt, settings)).toEqual({
      kind: 'ok',
      providerMessageId: messageId,
      state: 'DELIVERED',
      providerStatus: 'delivered',
    });
  });

  it.each(['failed', 'rejected', 'expired'])('reads %s as FAILED with its err-code', async (status) => {
    const receipt = await delivered(vonage.deliveryReceipt(messageId, status, { errCode: '6' }));
    expect(vonageDeliveryReceiptParser.parse(receipt, settings)).toEqual({
      kind: 'ok',
      providerMessageId: messageId,
      state: 'FAILED',
      providerStatus: status,
      errorCode: '6',
    });
  });

  it('reads accepted as SENT and ignores buffered and unknown', async () => {
    expect(vonageDeliveryReceiptParser.parse(await delivered(vonage.deliveryReceipt(messageId, 'accepted')), settings)).toMatchObject({
      kind: 'ok',
      state: 'SENT',
    });
    for (const status of ['buffered', 'unknown']) {
      expect(vonageDeliveryReceiptParser.parse(await delivered(vonage.deliveryReceipt(messageId, status)), settings)).toEqual({
        kind: 'ignored',
        reason: `status ${status}`,
      });
    }
  });

  it('rejects a forged, tampered or unsigned receipt when a signature secret is set', async () => {
    const signed = vonage.deliveryReceipt(messageId, 'failed', { errCode: '1' });
    const forged = { ...signed, sig: vonageSignature('guess', signed) };
    const tampered = { ...signed, status: 'delivered' };
    const unsigned = vonage.deliveryReceipt(messageId, 'delivered', { signed: false });
    for (const params of [forged, tampered, unsigned]) {
      expect(vonageDeliveryReceiptParser.parse(await delivered(params), settings)).toEqual({ kind: 'bad_signature' });
    }
  });

  it('accepts an upper-case hex signature', async () => {
    const signed = vonage.deliveryReceipt(messageId, 'delivered');
    const receipt = await delivered({ ...signed, sig: signed['sig']?.toUpperCase() ?? '' });
    expect(vonageDeliveryReceiptParser.parse(receipt, settings)).toMatchObject({ kind: 'ok' });
  });

  it('accepts receipts unsigned when no signature secret is configured, and says so', async () => {
    const unsignedSettings = { ...settings, credentials: { apiKey: 'k', apiSecret: 's' } };
    expect(vonageReceiptsAreSigned(unsignedSettings)).toBe(false);
    expect(vonageReceiptsAreSigned(settings)).toBe(true);
    const receipt = await delivered(vonage.deliveryReceipt(messageId, 'delivered', { signed: false }));
    expect(vonageDeliveryReceiptParser.parse(receipt, unsignedSettings)).toMatchObject({ kind: 'ok', state: 'DELIVERED' });
  });

  it('calls a receipt without messageId or status malformed', async () => {
    const unsignedSettings = { ...settings, credentials: { apiKey: 'k', apiSecret: 's' } };
    expect(vonageDeliveryReceiptParser.parse(await delivered({ status: 'delivered' }), unsignedSettings)).toEqual({
      kind: 'malformed',
      reason: 'messageId is missing',
    });
    expect(vonageDeliveryReceiptParser.parse(await delivered({ messageId }), unsignedSettings)).toEqual({
      kind: 'malformed',
      reason: 'status is missing',
    });
  });
});

describe('Vonage signature', () => {
  it('sorts parameters, drops sig and replaces & and = in values', () => {
    const expected = createHmac('sha256', 'secret').update('&a=x_y_z&b=2&timestamp=1700000000').digest('hex');
    expect(vonageSignature('secret', { b: '2', timestamp: '1700000000', a: 'x&y=z', sig: 'ignored' })).toBe(expected);
  });
});
