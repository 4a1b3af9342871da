import { createHmac, timingSafeEqual } from 'node:crypto';
import { type FakeHttpServer, type FakeResponse, type RecordedRequest, startFakeHttpServer } from './fake-http-server';

/** One message our WEBHOOK provider posted, as a tenant's receiver would see it. */
export interface ReceivedWebhookSms {
  id: string;
  tenant: string;
  to: string;
  body: string;
  locale: string;
  createdAt: string;
  /** True when `x-honnin-signature` matched the raw body under the receiver's secret. */
  signed: boolean;
  /** The `t=` of the signature (unix seconds), when present. */
  signedAt?: number;
  rawBody: string;
  path: string;
}

export interface WebhookReceiverFakeOptions {
  secret: string;
  /** Answer `{ id: 'rcv-<n>' }` (default) or an empty 200, as a receiver without ids would. */
  answerWithId?: boolean;
}

export interface WebhookReceiverFake extends FakeHttpServer {
  readonly secret: string;
  /** `<url>/sms`: any path works, this one reads well in configurations. */
  readonly endpoint: string;
  /** Every message received, signed or not (an unsigned one was answered 401). */
  readonly messages: ReceivedWebhookSms[];
  /** The next message (to `to`, when given) that no earlier `next` call returned. */
  next(to?: string, timeoutMs?: number): Promise<ReceivedWebhookSms>;
  /** POSTs a delivery receipt signed with the receiver's secret (or `options.secret`); returns the HTTP status. */
  sendDeliveryReceipt(
    url: string,
    receipt: { id: string; status: string; errorCode?: string },
    options?: { signedAt?: number; secret?: string },
  ): Promise<number>;
}

const SIGNATURE = /^t=(\d+),v1=([0-9a-f]+)$/;

/** The same scheme as the WEBHOOK provider, written out again so the fake does not trust the adapter. */
export function signHonninWebhook(secret: string, unixSeconds: number, rawBody: string): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex')}`;
}

/** The first run of exactly `length` digits in an SMS body: the code, as a user would read it. */
export function codeInBody(body: string, length = 6): string | undefined {
  return new RegExp(`(?<!\\d)(\\d{${length}})(?!\\d)`).exec(body)?.[1];
}

/** A tenant's SMS receiver for the WEBHOOK provider: verifies our signature and records each message. */
export async function startWebhookReceiverFake(options: WebhookReceiverFakeOptions): Promise<WebhookReceiverFake> {
  const messages: ReceivedWebhookSms[] = [];
  const taken = new Set<ReceivedWebhookSms>();
  const waiters: Array<() => void> = [];

  const server = await startFakeHttpServer((request) => {
    const message = readWebhookSms(request, options.secret);
    messages.push(message);
    waiters.splice(0).forEach((wake) => wake());
    return answer(message, messages.length, options.answerWithId ?? true);
  });

  return Object.assign(server, {
    secret: options.secret,
    endpoint: `${server.url}/sms`,
    messages,
    next(to?: string, timeoutMs = 2000): Promise<ReceivedWebhookSms> {
      return new Promise<ReceivedWebhookSms>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`webhook receiver: no message${to ? ` to ${to}` : ''}`)), timeoutMs);
        const look = (): void => {
          const found = messages.find((message) => !taken.has(message) && (!to || message.to === to));
          if (!found) {
            waiters.push(look);
            return;
          }
          taken.add(found);
          clearTimeout(timer);
          resolve(found);
        };
        look();
      });
    },
    async sendDeliveryReceipt(
      url: string,
      receipt: { id: string; status: string; errorCode?: string },
      signing: { signedAt?: number; secret?: string } = {},
    ): Promise<number> {
      const rawBody = JSON.stringify(receipt);
      const signedAt = signing.signedAt ?? Math.floor(Date.now() / 1000);
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-honnin-signature': signHonninWebhook(signing.secret ?? options.secret, signedAt, rawBody),
        },
        body: rawBody,
      });
      await response.arrayBuffer();
      return response.status;
    },
  });
}

/** A POST our WEBHOOK provider made, read as its receiver would, `signed` checked against `secret`. */
export function readWebhookSms(request: RecordedRequest, secret: string): ReceivedWebhookSms {
  const match = SIGNATURE.exec(request.headers['x-honnin-signature'] ?? '');
  const json = (typeof request.json === 'object' && request.json !== null ? request.json : {}) as Record<string, unknown>;
  const text = (name: string): string => (typeof json[name] === 'string' ? (json[name] as string) : '');
  return {
    id: text('id'),
    tenant: text('tenant'),
    to: text('to'),
    body: text('body'),
    locale: text('locale'),
    createdAt: text('createdAt'),
    signed: !!match && hexEqual(match[2] ?? '', signHonninWebhook(secret, Number(match[1]), request.rawBody).split('v1=')[1] ?? ''),
    signedAt: match ? Number(match[1]) : undefined,
    rawBody: request.rawBody,
    path: request.path,
  };
}

function hexEqual(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function answer(message: ReceivedWebhookSms, count: number, withId: boolean): FakeResponse {
  if (!message.signed) return { status: 401, body: { error: 'bad signature' } };
  return { status: 200, body: withId ? { id: `rcv-${count}` } : '' };
}
