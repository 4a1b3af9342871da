import { signHonninWebhook, startFakeHttpServer, startWebhookReceiverFake } from '@honnin/testing';
import type { InboundReceipt, SmsProviderSettings } from '../../port/sms-provider.port';
import { createWebhookDeliveryReceiptParser } from './webhook.delivery-receipt-parser';

const SECRET = 'whsec-test';
const NOW = new Date('2026-03-01T09:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const SETTINGS: SmsProviderSettings = {
  type: 'WEBHOOK',
  baseUrl: 'https://sms.example.com/hook',
  countries: [],
  credentials: { secret: SECRET },
};
const parser = createWebhookDeliveryReceiptParser({ now: () => NOW });

function receipt(body: unknown, signature?: string): InboundReceipt {
  const rawBody = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    url: 'https://auth.example.com/sms/receipts/webhook',
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Honnin-Signature': signature ?? signHonninWebhook(SECRET, NOW_SECONDS, rawBody) },
    rawBody,
    params: {},
  };
}

describe('WEBHOOK delivery receipts', () => {
  it('reads a signed DELIVERED receipt', () => {
    expect(parser.parse(receipt({ id: 'rcv-1', status: 'DELIVERED' }), SETTINGS)).toEqual({
      kind: 'ok',
      providerMessageId: 'rcv-1',
      state: 'DELIVERED',
      providerStatus: 'DELIVERED',
    });
  });

  it('reads a signed FAILED receipt with its error code', () => {
    expect(parser.parse(receipt({ id: 'rcv-1', status: 'FAILED', errorCode: 'UNREACHABLE' }), SETTINGS)).toEqual({
      kind: 'ok',
      providerMessageId: 'rcv-1',
      state: 'FAILED',
      providerStatus: 'FAILED',
      errorCode: 'UNREACHABLE',
    });
  });

  it('rejects a forged, missing, or other-secret signature', () => {
    const body = JSON.stringify({ id: 'rcv-1', status: 'DELIVERED' });
    const forged = signHonninWebhook('guess', NOW_SECONDS, body);
    const tampered = signHonninWebhook(SECRET, NOW_SECONDS, body.replace('DELIVERED', 'FAILED'));
    expect(parser.parse(receipt(body, forged), SETTINGS)).toEqual({ kind: 'bad_signature' });
    expect(parser.parse(receipt(body, tampered), SETTINGS)).toEqual({ kind: 'bad_signature' });
    expect(parser.parse({ ...receipt(body), headers: {} }, SETTINGS)).toEqual({ kind: 'bad_signature' });
    expect(parser.parse(receipt(body), { ...SETTINGS, credentials: {} })).toEqual({ kind: 'bad_signature' });
  });

  it('rejects signatures more than 5 minutes old or ahead', () => {
    const body = JSON.stringify({ id: 'rcv-1', status: 'DELIVERED' });
    expect(parser.parse(receipt(body, signHonninWebhook(SECRET, NOW_SECONDS - 301, body)), SETTINGS)).toEqual({ kind: 'bad_signature' });
    expect(parser.parse(receipt(body, signHonninWebhook(SECRET, NOW_SECONDS + 301, body)), SETTINGS)).toEqual({ kind: 'bad_signature' });
    expect(parser.parse(receipt(body, signHonninWebhook(SECRET, NOW_SECONDS - 300, body)), SETTINGS)).toMatchObject({ kind: 'ok' });
  });

  it('accepts any of several v1 signatures (secret rotation)', () => {
    const body = JSON.stringify({ id: 'rcv-1', status: 'DELIVERED' });
    const [, current] = signHonninWebhook(SECRET, NOW_SECONDS, body).split(',');
    const header = `t=${NOW_SECONDS},v1=${'0'.repeat(64)},${current}`;
    expect(parser.parse(receipt(body, header), SETTINGS)).toMatchObject({ kind: 'ok' });
  });

  it('ignores an unknown status and calls a broken body malformed', () => {
    expect(parser.parse(receipt({ id: 'rcv-1', status: 'QUEUED' }), SETTINGS)).toEqual({ kind: 'ignored', reason: 'status QUEUED' });
    expect(parser.parse(receipt('not json'), SETTINGS)).toEqual({ kind: 'malformed', reason: 'body is not JSON' });
    expect(parser.parse(receipt({ status: 'DELIVERED' }), SETTINGS)).toEqual({ kind: 'malformed', reason: 'id is missing' });
    expect(parser.parse(receipt({ id: 'x' }), SETTINGS)).toEqual({ kind: 'malformed', reason: 'status is missing' });
  });

  it('reads a receipt the fake receiver posts back', async () => {
    const gateway = await startFakeHttpServer(() => ({ status: 204 }));
    const receiver = await startWebhookReceiverFake({ secret: SECRET });
    try {
      const at = Math.floor(Date.now() / 1000);
      expect(await receiver.sendDeliveryReceipt(`${gateway.url}/receipts`, { id: 'rcv-9', status: 'FAILED', errorCode: '30003' })).toBe(204);
      const posted = gateway.requests[0];
      const live = createWebhookDeliveryReceiptParser({ now: () => new Date(at * 1000) });
      expect(
        live.parse({ url: `${gateway.url}/receipts`, method: 'POST', headers: posted?.headers ?? {}, rawBody: posted?.rawBody ?? '', params: {} }, SETTINGS),
      ).toMatchObject({ kind: 'ok', providerMessageId: 'rcv-9', state: 'FAILED', errorCode: '30003' });
    } finally {
      await Promise.all([gateway.close(), receiver.close()]);
    }
  });
});
