import type {
  OutgoingSms,
  ProviderAnswer,
  SmsProvider,
  SmsProviderDefinition,
  SmsProviderDeps,
  SmsProviderSettings,
  SmsSendOutcome,
} from '../../port/sms-provider.port';
import {
  baseUrlOf,
  formBody,
  retryAfterSeconds,
  timeoutOf,
  validateProviderSettings,
} from '../shared/provider-http.util';
import { toJapaneseDomesticNumber } from '../shared/japanese-domestic-number';

export const KARADEN_DEFAULT_BASE_URL = 'https://prg.karaden.jp';
/** Required on every request; the version this adapter was written against. */
export const KARADEN_API_VERSION = '2023-01-01';
export const KARADEN_MAX_BODY_CHARACTERS = 660;

const CREDENTIAL_FIELDS = [
  { name: 'tenantId', required: true },
  { name: 'token', required: true },
  { name: 'serviceId', required: true },
] as const;

/** Karaden SMS API (空電プッシュ): `POST {base}/api/{tenantId}/messages`, form-urlencoded, Bearer token. */
export class KaradenSmsProvider implements SmsProvider {
  readonly type = 'KARADEN' as const;

  constructor(
    private readonly settings: SmsProviderSettings,
    private readonly deps: SmsProviderDeps,
  ) {}

  async send(message: OutgoingSms): Promise<SmsSendOutcome> {
    const to = toJapaneseDomesticNumber(message.to);
    if (!to) return { kind: 'invalid_recipient', reason: 'KARADEN delivers only to Japanese 11-digit numbers' };
    if ([...message.body].length > KARADEN_MAX_BODY_CHARACTERS) {
      return { kind: 'misconfigured', reason: `body longer than ${KARADEN_MAX_BODY_CHARACTERS} characters` };
    }
    const { tenantId, token, serviceId } = this.settings.credentials;
    const result = await this.deps.post(
      {
        url: `${baseUrlOf(this.settings, KARADEN_DEFAULT_BASE_URL)}/api/${encodeURIComponent(tenantId)}/messages`,
        headers: {
          authorization: `Bearer ${token}`,
          'karaden-version': KARADEN_API_VERSION,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        // Our id goes in as a tag: Karaden has no idempotency key, but the tag ties its message to ours.
        body: formBody({ service_id: serviceId, to, body: message.body, 'tags[]': message.id }),
      },
      timeoutOf(this.settings),
    );
    if (result.kind === 'unreachable') return { kind: 'retryable', reason: result.reason };
    return classifyKaradenAnswer(result.answer);
  }
}

/** Maps one Karaden answer to an outcome. Reasons carry the status and error code, never free text. */
export function classifyKaradenAnswer(answer: ProviderAnswer): SmsSendOutcome {
  const { status, json } = answer;
  if (status === 200) {
    const id = fieldOf(json, 'id');
    // A 200 without a message object is not Karaden (a wrong baseUrl answering with a web page).
    if (typeof id === 'string' && id !== '' && fieldOf(json, 'object') === 'message') {
      return { kind: 'sent', providerMessageId: id };
    }
    return { kind: 'misconfigured', reason: 'HTTP 200 without a Karaden message object' };
  }
  const code = fieldOf(json, 'code');
  const reason = `HTTP ${status}${typeof code === 'string' || typeof code === 'number' ? ` ${code}` : ''}`;
  if (status === 401 || status === 403) return { kind: 'auth_failed', reason };
  if (status === 422) {
    const errors = fieldOf(json, 'errors');
    const toRejected = typeof errors === 'object' && errors !== null && 'to' in errors;
    return toRejected ? { kind: 'invalid_recipient', reason: `${reason} (to)` } : { kind: 'misconfigured', reason };
  }
  if (status === 429) {
    const retryAfter = retryAfterSeconds(answer.headers);
    return { kind: 'rate_limited', reason, ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }) };
  }
  if (status >= 500 || status === 408) return { kind: 'retryable', reason };
  return { kind: 'misconfigured', reason };
}

function fieldOf(json: unknown, name: string): unknown {
  return typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[name] : undefined;
}

export const karadenSmsProviderDefinition: SmsProviderDefinition = {
  type: 'KARADEN',
  credentialFields: CREDENTIAL_FIELDS,
  defaultBaseUrl: KARADEN_DEFAULT_BASE_URL,
  validate: (settings) =>
    validateProviderSettings(settings, {
      credentialFields: CREDENTIAL_FIELDS,
      credentialFormats: {
        serviceId: (value) => (/^[1-9]\d*$/.test(value) ? undefined : 'must be a positive whole number'),
        tenantId: (value) => (/^[A-Za-z0-9-]+$/.test(value) ? undefined : 'must be letters, digits and dashes'),
      },
      sender: 'unused',
    }),
  create: (settings, deps) => new KaradenSmsProvider(settings, deps),
};
