import type {
  OutgoingSms,
  SmsProvider,
  SmsProviderDefinition,
  SmsProviderDeps,
  SmsProviderSettings,
  SmsSendOutcome,
} from '../../port/sms-provider.port';
import { HONNIN_SIGNATURE_HEADER, honninSignatureHeader } from './honnin-signature';
import { retryAfterSeconds, timeoutOf, validateProviderSettings } from '../shared/provider-http.util';

const WEBHOOK_CREDENTIAL_FIELDS = [{ name: 'secret', required: true }] as const;

export interface WebhookSmsProviderOptions {
  /** The clock for the signature timestamp. */
  now?: () => Date;
}

/** Our generic HTTP provider: POSTs a signed JSON message to the tenant's URL. */
export class WebhookSmsProvider implements SmsProvider {
  readonly type = 'WEBHOOK' as const;

  constructor(
    private readonly settings: SmsProviderSettings,
    private readonly deps: SmsProviderDeps,
    private readonly now: () => Date,
  ) {}

  async send(message: OutgoingSms): Promise<SmsSendOutcome> {
    const rawBody = JSON.stringify({
      id: message.id,
      tenant: message.tenant,
      to: message.to,
      body: message.body,
      locale: message.locale,
      createdAt: message.createdAt.toISOString(),
    });
    const now = this.now();
    const signedAt = Math.floor(now.getTime() / 1000);
    const result = await this.deps.post(
      {
        url: this.settings.baseUrl ?? '',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          [HONNIN_SIGNATURE_HEADER]: honninSignatureHeader(this.settings.credentials['secret'] ?? '', signedAt, rawBody),
        },
        body: rawBody,
      },
      timeoutOf(this.settings),
    );
    if (result.kind === 'unreachable') return { kind: 'retryable', reason: `webhook: ${result.reason}` };

    const { status, json, headers } = result.answer;
    if (status >= 200 && status < 300) return { kind: 'sent', providerMessageId: answeredIdOf(json) ?? message.id };
    const reason = `webhook: HTTP ${status}`;
    if (status === 429) return { kind: 'rate_limited', reason, retryAfterSeconds: retryAfterSeconds(headers, now) };
    if (status === 401 || status === 403) return { kind: 'auth_failed', reason };
    if (status === 400 || status === 404 || status === 422) return { kind: 'invalid_recipient', reason };
    if (status >= 500) return { kind: 'retryable', reason };
    return { kind: 'misconfigured', reason };
  }
}

function answeredIdOf(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const id = (json as Record<string, unknown>)['id'];
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number') return String(id);
  return undefined;
}

export function createWebhookSmsProviderDefinition(options: WebhookSmsProviderOptions = {}): SmsProviderDefinition {
  const now = options.now ?? (() => new Date());
  return {
    type: 'WEBHOOK',
    credentialFields: WEBHOOK_CREDENTIAL_FIELDS,
    validate: (settings) =>
      validateProviderSettings(settings, {
        credentialFields: WEBHOOK_CREDENTIAL_FIELDS,
        baseUrlRequired: true,
        sender: 'unused',
      }),
    create: (settings, deps) => new WebhookSmsProvider(settings, deps, now),
  };
}

export const webhookSmsProviderDefinition = createWebhookSmsProviderDefinition();
