// HTTP plumbing shared by the HTTP adapters (webhook, Twilio, Twilio Verify, Vonage, Karaden, Media SMS):
// settings checks common to every provider and small request and header helpers; the POST itself is
// `SmsProviderDeps.post` (`providerPost`).
import { createHash, timingSafeEqual } from 'node:crypto';
import type {
  CredentialField,
  ProviderHeaders,
  SettingsProblem,
  SmsProviderSettings,
} from '../../port/sms-provider.port';

export const DEFAULT_PROVIDER_TIMEOUT_MS = 5000;
const MAX_PROVIDER_TIMEOUT_MS = 60_000;

export function timeoutOf(settings: SmsProviderSettings): number {
  return settings.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS;
}

/** `baseUrl` without trailing slashes, or the provider's default. */
export function baseUrlOf(settings: SmsProviderSettings, defaultBaseUrl: string): string {
  return (settings.baseUrl || defaultBaseUrl).replace(/\/+$/, '');
}

export function formBody(fields: Record<string, string | undefined>): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) form.append(name, value);
  }
  return form.toString();
}

export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * Seconds to wait from a Retry-After header. The HTTP-date form needs the current time, so it is
 * only honoured when the caller has a clock.
 */
export function retryAfterSeconds(headers: ProviderHeaders, now?: Date): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  if (!now || Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/** Reads a `code` number from a JSON error body such as Twilio's `{ code, message, more_info, status }`. */
export function errorCodeOf(json: unknown): number | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const code = (json as Record<string, unknown>)['code'];
  if (typeof code === 'number') return code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
  return undefined;
}

export interface SettingsRules {
  credentialFields: readonly CredentialField[];
  /** Extra per-credential format checks: field name → message when the value is wrong. */
  credentialFormats?: Record<string, (value: string) => string | undefined>;
  baseUrlRequired?: boolean;
  /** `unused`: a non-empty sender is a mistake; otherwise the check returns a message when wrong. */
  sender: 'unused' | ((sender: string | undefined) => string | undefined);
}

/** The checks every provider shares: credentials present and known, base URL, sender, timeout. */
export function validateProviderSettings(settings: SmsProviderSettings, rules: SettingsRules): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  const credentials = settings.credentials ?? {};
  const known = new Set(rules.credentialFields.map((field) => field.name));
  for (const field of rules.credentialFields) {
    const value = credentials[field.name];
    if (typeof value !== 'string' || value.trim() === '') {
      if (field.required) problems.push({ field: `credentials.${field.name}`, message: 'is required' });
      continue;
    }
    const formatProblem = rules.credentialFormats?.[field.name]?.(value);
    if (formatProblem) problems.push({ field: `credentials.${field.name}`, message: formatProblem });
  }
  for (const name of Object.keys(credentials)) {
    if (!known.has(name)) problems.push({ field: `credentials.${name}`, message: `is not a ${settings.type} credential` });
  }

  if (settings.baseUrl) {
    if (!isHttpUrl(settings.baseUrl)) problems.push({ field: 'baseUrl', message: 'must be an http(s) URL' });
  } else if (rules.baseUrlRequired) {
    problems.push({ field: 'baseUrl', message: 'is required' });
  }

  if (rules.sender === 'unused') {
    if (settings.sender) problems.push({ field: 'sender', message: `is not used by ${settings.type}` });
  } else {
    const senderProblem = rules.sender(settings.sender || undefined);
    if (senderProblem) problems.push({ field: 'sender', message: senderProblem });
  }

  if (settings.timeoutMs !== undefined) {
    const timeout = settings.timeoutMs;
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > MAX_PROVIDER_TIMEOUT_MS) {
      problems.push({ field: 'timeoutMs', message: `must be a whole number of milliseconds from 1 to ${MAX_PROVIDER_TIMEOUT_MS}` });
    }
  }
  return problems;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/** Header lookup that ignores case, for headers handed over by the HTTP layer. */
export function headerOf(headers: Record<string, string | undefined>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** Constant-time string comparison; hashing first keeps the length of the expected value secret too. */
export function constantTimeEqual(actual: string, expected: string): boolean {
  const a = createHash('sha256').update(actual, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
