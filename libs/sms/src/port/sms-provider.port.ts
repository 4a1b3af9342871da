// The port every SMS provider adapter implements. Adapters are plain classes: no framework, no database.

export const SMS_PROVIDER_TYPES = [
  'CONSOLE',
  'WEBHOOK',
  'TWILIO',
  'TWILIO_VERIFY',
  'VONAGE',
  'AWS_SNS',
  'KARADEN',
  'MEDIA_SMS',
] as const;
export type SmsProviderType = (typeof SMS_PROVIDER_TYPES)[number];

/** One message to hand to a provider. `id` is ours and unique: adapters pass it as the idempotency reference. */
export interface OutgoingSms {
  id: string;
  tenant: string;
  to: string; // E.164
  body: string;
  locale: string;
  createdAt: Date;
  /** Where the provider should post delivery receipts, when the provider supports them. */
  statusCallbackUrl?: string;
}

/** How a send ended. The router fails over on everything but `invalid_recipient`. */
export type SmsSendOutcome =
  | { kind: 'sent'; providerMessageId: string }
  | { kind: 'invalid_recipient'; reason: string }
  | { kind: 'rate_limited'; reason: string; retryAfterSeconds?: number }
  | { kind: 'retryable'; reason: string }
  | { kind: 'auth_failed'; reason: string }
  | { kind: 'misconfigured'; reason: string };
export type SmsSendOutcomeKind = SmsSendOutcome['kind'];

export interface SmsProvider {
  readonly type: SmsProviderType;
  /** Never throws for provider or network failures: every outcome is classified. */
  send(message: OutgoingSms): Promise<SmsSendOutcome>;
}

/** Providers that make and check the code themselves (Twilio Verify). */
export interface DelegatedVerificationProvider {
  readonly type: SmsProviderType;
  startVerification(request: { reference: string; to: string; locale: string }): Promise<SmsSendOutcome>;
  checkVerification(request: { to: string; providerVerificationId: string; code: string }): Promise<DelegatedCheckOutcome>;
}
export type DelegatedCheckOutcome =
  | { kind: 'approved' }
  | { kind: 'wrong_code' }
  | { kind: 'gone'; reason: string } // expired, cancelled, max attempts, or unknown at the provider
  | { kind: 'retryable'; reason: string }
  | { kind: 'auth_failed'; reason: string };

/** A tenant's configuration of one provider, as stored (credentials already decrypted). */
export interface SmsProviderSettings {
  type: SmsProviderType;
  /** Overrides the provider's endpoint; for WEBHOOK it is the URL posted to. */
  baseUrl?: string;
  sender?: string;
  /** ISO 3166 alpha-2 codes this provider is limited to; empty = every country. */
  countries: string[];
  credentials: Record<string, string>;
  timeoutMs?: number;
}

export interface CredentialField {
  name: string;
  required: boolean;
}

/** A field-path problem in a provider configuration, e.g. `credentials.authToken`. */
export interface SettingsProblem {
  field: string;
  message: string;
}

export interface SmsProviderDefinition {
  readonly type: SmsProviderType;
  readonly credentialFields: readonly CredentialField[];
  readonly defaultBaseUrl?: string;
  /** Every problem with the settings; empty when they are usable. */
  validate(settings: SmsProviderSettings): SettingsProblem[];
  create(settings: SmsProviderSettings, deps: SmsProviderDeps): SmsProvider;
}

export interface SmsProviderDeps {
  /** How adapters reach their provider's HTTP API (`providerPost` in production). */
  post: ProviderPost;
  /** Structured log sink; adapters never pass message bodies or credentials to it. */
  log: (event: string, fields: Record<string, unknown>) => void;
}

export interface ProviderRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Response headers by name, whatever its case. */
export interface ProviderHeaders {
  get(name: string): string | null;
}

export interface ProviderAnswer {
  status: number;
  headers: ProviderHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export type ProviderCallResult =
  | { kind: 'answered'; answer: ProviderAnswer }
  | { kind: 'unreachable'; reason: string };

/**
 * POSTs and reads the whole answer under one deadline of `timeoutMs`; never throws. Redirects are not
 * followed: a provider endpoint that redirects is misconfigured, and following it would re-send
 * credentials elsewhere.
 */
export type ProviderPost = (request: ProviderRequest, timeoutMs: number) => Promise<ProviderCallResult>;

/** A delivery receipt as the HTTP layer hands it over: nothing parsed yet. */
export interface InboundReceipt {
  /** The full public URL the provider called, including the query string. */
  url: string;
  method: string;
  headers: Record<string, string | undefined>;
  rawBody: string;
  /** Form, JSON or query parameters, flattened to strings. */
  params: Record<string, string>;
}

export type DeliveryState = 'SENT' | 'DELIVERED' | 'FAILED';

export type ReceiptParseResult =
  | { kind: 'ok'; providerMessageId: string; state: DeliveryState; providerStatus: string; errorCode?: string }
  | { kind: 'ignored'; reason: string } // a status that changes nothing (queued, accepted, ...)
  | { kind: 'bad_signature' }
  | { kind: 'malformed'; reason: string };

export interface DeliveryReceiptParser {
  readonly type: SmsProviderType;
  parse(receipt: InboundReceipt, settings: SmsProviderSettings): ReceiptParseResult;
}
