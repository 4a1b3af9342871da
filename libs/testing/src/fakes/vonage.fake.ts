import { createHmac, randomBytes } from 'node:crypto';
import { type FakeHttpServer, type FakeResponse, type RecordedRequest, startFakeHttpServer } from './fake-http-server';

export interface VonageFakeAccount {
  apiKey: string;
  apiSecret: string;
  /** When set, `deliveryReceipt` signs receipts with it. */
  signatureSecret?: string;
}

export const DEFAULT_VONAGE_FAKE_ACCOUNT: VonageFakeAccount = {
  apiKey: 'fakekey1',
  apiSecret: 'fake-vonage-secret',
  signatureSecret: 'fake-vonage-signature-secret',
};

export interface VonageFakeMessage {
  messageId: string;
  from: string;
  to: string;
  text: string;
  type?: string;
  clientRef?: string;
  callback?: string;
}

export type VonageReceiptMethod = 'GET' | 'POST' | 'POST-JSON';

export interface VonageFake extends FakeHttpServer {
  readonly account: VonageFakeAccount;
  readonly messages: VonageFakeMessage[];
  /** Makes the next `times` sends (default 1) answer HTTP 200 with this per-message status. */
  failWith(status: number, options?: { times?: number }): void;
  /**
   * The receipt parameters Vonage would send for an accepted message, signed (`timestamp` + `sig`)
   * when the account has a signature secret and `signed` is not false.
   */
  deliveryReceipt(messageId: string, status: string, options?: { errCode?: string; signed?: boolean }): Record<string, string>;
  /** Sends receipt parameters to `url` the way Vonage would; returns the HTTP status. */
  sendDeliveryReceipt(url: string, params: Record<string, string>, method?: VonageReceiptMethod): Promise<number>;
}

/** Vonage's `error-text` for each documented per-message status. */
export const VONAGE_STATUS_TEXT: Readonly<Record<number, string>> = {
  1: 'Throttled',
  2: 'Missing Parameters',
  3: 'Invalid Parameters',
  4: 'Invalid Credentials',
  5: 'Internal Error',
  6: 'Invalid Message',
  7: 'Number Barred',
  8: 'Partner Account Barred',
  9: 'Partner Quota Violation',
  13: 'Communication Failed',
  14: 'Invalid Signature',
  15: 'Invalid Sender Address',
  29: 'Non-Whitelisted Destination',
};

/** Vonage's HMAC-SHA256 webhook signature, written out independently of the adapter's check. */
export function signVonageParams(signatureSecret: string, params: Record<string, string>): string {
  let payload = '';
  for (const name of Object.keys(params).sort()) {
    if (name !== 'sig') payload += `&${name}=${params[name]?.replace(/&/g, '_').replace(/=/g, '_')}`;
  }
  return createHmac('sha256', signatureSecret).update(payload).digest('hex');
}

function rejection(status: number): FakeResponse {
  return {
    status: 200,
    body: { 'message-count': '1', messages: [{ status: String(status), 'error-text': VONAGE_STATUS_TEXT[status] ?? 'Error' }] },
  };
}

/** A local Vonage SMS API (`POST /sms/json`) answering its documented JSON. */
export async function startVonageFake(account: VonageFakeAccount = DEFAULT_VONAGE_FAKE_ACCOUNT): Promise<VonageFake> {
  const messages: VonageFakeMessage[] = [];
  const server = await startFakeHttpServer((request) => send(request, account, messages));

  return Object.assign(server, {
    account,
    messages,
    failWith(status: number, options: { times?: number } = {}) {
      const { body } = rejection(status);
      server.behave({ mode: 'status', status: 200, body, times: options.times ?? 1 });
    },
    deliveryReceipt(messageId: string, status: string, options: { errCode?: string; signed?: boolean } = {}) {
      const message = messages.find((candidate) => candidate.messageId === messageId);
      const params: Record<string, string> = {
        msisdn: message?.to ?? '',
        to: message?.from ?? '',
        'network-code': '44010',
        messageId,
        price: '0.03330000',
        status,
        scts: '2601011200',
        'err-code': options.errCode ?? '0',
        'api-key': account.apiKey,
        'message-timestamp': '2026-01-01 12:00:00',
        ...(message?.clientRef ? { 'client-ref': message.clientRef } : {}),
      };
      if (account.signatureSecret && options.signed !== false) {
        params['timestamp'] = String(Math.floor(Date.now() / 1000));
        params['sig'] = signVonageParams(account.signatureSecret, params);
      }
      return params;
    },
    async sendDeliveryReceipt(url: string, params: Record<string, string>, method: VonageReceiptMethod = 'GET') {
      const query = new URLSearchParams(params).toString();
      const response =
        method === 'GET'
          ? await fetch(`${url}${url.includes('?') ? '&' : '?'}${query}`)
          : await fetch(url, {
              method: 'POST',
              headers: { 'content-type': method === 'POST' ? 'application/x-www-form-urlencoded' : 'application/json' },
              body: method === 'POST' ? query : JSON.stringify(params),
            });
      await response.arrayBuffer();
      return response.status;
    },
  });
}

function paramsOf(request: RecordedRequest): Record<string, string> {
  if (Object.keys(request.form).length > 0) return request.form;
  if (typeof request.json === 'object' && request.json !== null) {
    return Object.fromEntries(Object.entries(request.json).map(([name, value]) => [name, String(value)]));
  }
  return request.query;
}

function send(request: RecordedRequest, account: VonageFakeAccount, messages: VonageFakeMessage[]): FakeResponse {
  if (request.path !== '/sms/json') return { status: 404, body: { type: 'NOT_FOUND', title: 'Not Found' } };
  if (request.method !== 'POST' && request.method !== 'GET') return { status: 405, body: '' };
  const params = paramsOf(request);
  if (!params['api_key'] || !params['api_secret'] || !params['from'] || !params['to'] || !params['text']) {
    return rejection(2);
  }
  if (params['api_key'] !== account.apiKey || params['api_secret'] !== account.apiSecret) return rejection(4);
  if (!/^[1-9]\d{6,14}$/.test(params['to'])) return rejection(3);
  if (params['type'] && params['type'] !== 'text' && params['type'] !== 'unicode') return rejection(3);
  if ((params['client-ref'] ?? '').length > 100) return rejection(3);

  const message: VonageFakeMessage = {
    messageId: randomBytes(8).toString('hex').toUpperCase(),
    from: params['from'],
    to: params['to'],
    text: params['text'],
    type: params['type'],
    clientRef: params['client-ref'],
    callback: params['callback'],
  };
  messages.push(message);
  return {
    status: 200,
    body: {
      'message-count': '1',
      messages: [
        {
          to: message.to,
          'message-id': message.messageId,
          status: '0',
          'remaining-balance': '10.00000000',
          'message-price': '0.03330000',
          network: '44010',
          ...(message.clientRef ? { 'client-ref': message.clientRef } : {}),
        },
      ],
    },
  };
}
