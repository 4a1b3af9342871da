import { randomUUID } from 'node:crypto';
import { type FakeHttpServer, type FakeResponse, type RecordedRequest, startFakeHttpServer } from './fake-http-server';

export const FAKE_KARADEN_API_VERSION = '2023-01-01';

export interface KaradenFakeAccount {
  tenantId: string;
  token: string;
  serviceId: string;
}

/** The message object Karaden answers with and posts to callbacks. */
export interface KaradenMessage {
  id: string;
  object: 'message';
  service_id: number;
  billing_address_id: number;
  to: string;
  body: string;
  tags: string[];
  is_shorten: boolean;
  result: 'processing' | 'done';
  status: 'waiting' | 'done' | 'error' | 'canceled';
  sent_result: 'none' | 'received' | 'unconnected' | 'error' | 'unknown';
  carrier: 'docomo' | 'softbank' | 'au' | 'rakuten' | 'unknown';
  charged_count_per_sent: number;
  scheduled_at: string | null;
  limited_at: string | null;
  sent_at: string | null;
  received_at: string | null;
  charged_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface KaradenFake extends FakeHttpServer {
  readonly account: KaradenFakeAccount;
  /** Messages accepted so far, by Karaden message id. */
  readonly messages: Map<string, KaradenMessage>;
  /** Makes the next `times` sends answer a Karaden error object with this status. */
  failWith(error: { status: number; code?: string; errors?: Record<string, string[]>; times?: number }): void;
  /**
   * Moves a message to a final state and POSTs it as JSON to `callbackUrl`, as Karaden does.
   * Resolves with the HTTP status the receiver answered.
   */
  postCallback(
    callbackUrl: string,
    messageId: string,
    update: Pick<KaradenMessage, 'status' | 'sent_result'>,
  ): Promise<number>;
}

export const DEFAULT_KARADEN_FAKE_ACCOUNT: KaradenFakeAccount = {
  tenantId: '4a0b3f7e-7b1c-4c55-9a39-5a3c2f7d9e10',
  token: 'fake-karaden-token',
  serviceId: '1',
};

/** Builds a Karaden error object `{ object: "error", code, message, errors }`. */
export function karadenErrorBody(code: string, message: string, errors: Record<string, string[]> = {}) {
  return { object: 'error', code, message, errors };
}

/**
 * A local Karaden SMS API: checks the Bearer token, the Karaden-Version header, the tenant in the path,
 * the service id and the 11-digit `to`, and answers the message object or a documented error object.
 */
export async function startKaradenFake(account: KaradenFakeAccount = DEFAULT_KARADEN_FAKE_ACCOUNT): Promise<KaradenFake> {
  const messages = new Map<string, KaradenMessage>();
  const server = await startFakeHttpServer((request) => answer(request, account, messages));

  return Object.assign(server, {
    account,
    messages,
    failWith(error: { status: number; code?: string; errors?: Record<string, string[]>; times?: number }) {
      server.behave({
        mode: 'status',
        status: error.status,
        body: karadenErrorBody(error.code ?? `http_${error.status}`, 'forced by the fake', error.errors),
        times: error.times ?? 1,
      });
    },
    async postCallback(callbackUrl: string, messageId: string, update: Pick<KaradenMessage, 'status' | 'sent_result'>) {
      const message = messages.get(messageId);
      if (!message) throw new Error(`karaden fake: no message ${messageId}`);
      const now = new Date().toISOString();
      Object.assign(message, update, {
        result: 'done',
        sent_at: message.sent_at ?? now,
        received_at: update.sent_result === 'received' ? now : null,
        updated_at: now,
      });
      const response = await fetch(callbackUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'karaden-version': FAKE_KARADEN_API_VERSION },
        body: JSON.stringify(message),
      });
      await response.arrayBuffer();
      return response.status;
    },
  });
}

function answer(request: RecordedRequest, account: KaradenFakeAccount, messages: Map<string, KaradenMessage>): FakeResponse {
  if (request.method !== 'POST' || request.path !== `/api/${account.tenantId}/messages`) {
    return { status: 404, body: karadenErrorBody('not_found', 'Not Found') };
  }
  if (request.headers['authorization'] !== `Bearer ${account.token}`) {
    return { status: 401, body: karadenErrorBody('unauthorized', 'Unauthenticated.') };
  }
  if (request.headers['karaden-version'] !== FAKE_KARADEN_API_VERSION) {
    return { status: 400, body: karadenErrorBody('bad_request', 'Karaden-Version is invalid.') };
  }
  if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    return { status: 400, body: karadenErrorBody('bad_request', 'Content-Type is invalid.') };
  }
  const form = request.form;
  const errors: Record<string, string[]> = {};
  if (form['service_id'] !== account.serviceId) errors['service_id'] = ['service_id is invalid.'];
  if (!/^[0-9]{11}$/.test(form['to'] ?? '')) errors['to'] = ['to must be 11 digits.'];
  const body = form['body'] ?? '';
  if (body === '' || [...body].length > 660) errors['body'] = ['body must be 1 to 660 characters.'];
  if (Object.keys(errors).length > 0) {
    return { status: 422, body: karadenErrorBody('unprocessable_entity', 'The given data was invalid.', errors) };
  }

  const now = new Date().toISOString();
  const message: KaradenMessage = {
    id: randomUUID(),
    object: 'message',
    service_id: Number(account.serviceId),
    billing_address_id: 1,
    to: form['to'],
    body,
    tags: tagsOf(request.rawBody),
    is_shorten: false,
    result: 'processing',
    status: 'waiting',
    sent_result: 'none',
    carrier: 'docomo',
    charged_count_per_sent: 1,
    scheduled_at: null,
    limited_at: null,
    sent_at: null,
    received_at: null,
    charged_at: null,
    created_at: now,
    updated_at: now,
  };
  messages.set(message.id, message);
  return { status: 200, body: message };
}

/** Every `tags[]` value (the recorded `form` keeps only the last value of a repeated field). */
function tagsOf(rawBody: string): string[] {
  return new URLSearchParams(rawBody).getAll('tags[]');
}
