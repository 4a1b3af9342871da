import type {
  OutgoingSms,
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
import { isGsm7 } from './gsm7';

export const VONAGE_DEFAULT_BASE_URL = 'https://rest.nexmo.com';
const VONAGE_CREDENTIAL_FIELDS = [
  { name: 'apiKey', required: true },
  { name: 'apiSecret', required: true },
  { name: 'signatureSecret', required: false },
] as const;
const CLIENT_REF_MAX_LENGTH = 100;

type FailureKind = Exclude<SmsSendOutcome['kind'], 'sent'>;

/** Per-message status → outcome. Codes not listed here are treated as `misconfigured`. */
export const VONAGE_STATUS_OUTCOMES: ReadonlyMap<number, FailureKind> = new Map<number, FailureKind>([
  [1, 'rate_limited'], // throttled
  [2, 'misconfigured'], // missing parameters
  [3, 'invalid_recipient'], // invalid parameters (the number)
  [4, 'auth_failed'], // invalid credentials
  [5, 'retryable'], // internal error
  [6, 'invalid_recipient'], // unroutable prefix
  [7, 'invalid_recipient'], // number barred
  [8, 'misconfigured'], // partner account barred
  [9, 'misconfigured'], // partner quota exceeded (out of credit)
  [13, 'retryable'], // communication failed
  [14, 'auth_failed'], // invalid signature
  [15, 'misconfigured'], // invalid sender address
  [29, 'misconfigured'], // non-whitelisted destination: the account, not the number, is the problem
]);

interface VonageMessageAnswer {
  status?: unknown;
  'message-id'?: unknown;
}

function vonageSenderProblem(sender: string | undefined): string | undefined {
  if (!sender) return 'is required: a number in international format or an alphanumeric sender id';
  if (/^\+?[1-9]\d{6,14}$/.test(sender) || /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/.test(sender)) return undefined;
  return 'must be a number in international format or an alphanumeric sender id (up to 11 characters)';
}

/** Vonage (Nexmo) SMS API: the per-message status in the JSON answer decides, not the HTTP status. */
export class VonageSmsProvider implements SmsProvider {
  readonly type = 'VONAGE' as const;

  constructor(
    private readonly settings: SmsProviderSettings,
    private readonly deps: SmsProviderDeps,
  ) {}

  async send(message: OutgoingSms): Promise<SmsSendOutcome> {
    const { apiKey, apiSecret } = this.settings.credentials;
    const result = await this.deps.post(
      {
        url: `${baseUrlOf(this.settings, VONAGE_DEFAULT_BASE_URL)}/sms/json`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: formBody({
          api_key: apiKey,
          api_secret: apiSecret,
          from: (this.settings.sender ?? '').replace(/^\+/, ''),
          to: message.to.replace(/\D/g, ''),
          text: message.body,
          type: isGsm7(message.body) ? undefined : 'unicode',
          'client-ref': message.id.slice(0, CLIENT_REF_MAX_LENGTH),
          ...(message.statusCallbackUrl ? { 'status-report-req': '1', callback: message.statusCallbackUrl } : {}),
        }),
      },
      timeoutOf(this.settings),
    );
    if (result.kind === 'unreachable') return { kind: 'retryable', reason: `vonage: ${result.reason}` };

    const { status, json, headers } = result.answer;
    const messages = (json as { messages?: unknown } | undefined)?.messages;
    if (status < 200 || status >= 300 || !Array.isArray(messages) || messages.length === 0) {
      const reason = `vonage: HTTP ${status}`;
      if (status === 429) return { kind: 'rate_limited', reason, retryAfterSeconds: retryAfterSeconds(headers) };
      if (status === 401 || status === 403) return { kind: 'auth_failed', reason };
      if (status >= 500) return { kind: 'retryable', reason };
      return { kind: 'misconfigured', reason: status >= 200 && status < 300 ? `${reason} without messages` : reason };
    }

    // A long text is split into parts, each with its own status: the first failing part decides.
    const parts = messages as VonageMessageAnswer[];
    const failed = parts.find((part) => statusOf(part) !== 0);
    if (failed) {
      const code = statusOf(failed);
      const kind = (code !== undefined && VONAGE_STATUS_OUTCOMES.get(code)) || 'misconfigured';
      return { kind, reason: `vonage: status ${String(failed.status)}` };
    }
    const messageId = parts[0]?.['message-id'];
    if (typeof messageId !== 'string' || messageId === '') {
      return { kind: 'misconfigured', reason: 'vonage: status 0 without a message-id' };
    }
    return { kind: 'sent', providerMessageId: messageId };
  }
}

function statusOf(part: VonageMessageAnswer): number | undefined {
  const status = part.status;
  if (typeof status === 'number') return status;
  if (typeof status === 'string' && /^\d+$/.test(status)) return Number(status);
  return undefined;
}

export const vonageSmsProviderDefinition: SmsProviderDefinition = {
  type: 'VONAGE',
  credentialFields: VONAGE_CREDENTIAL_FIELDS,
  defaultBaseUrl: VONAGE_DEFAULT_BASE_URL,
  validate: (settings) =>
    validateProviderSettings(settings, { credentialFields: VONAGE_CREDENTIAL_FIELDS, sender: vonageSenderProblem }),
  create: (settings, deps) => new VonageSmsProvider(settings, deps),
};
