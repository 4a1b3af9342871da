// Twilio error answers are `{ code, message, more_info, status }`. Reasons carry the code only:
// Twilio's message text can contain the phone number, which must not reach logs or audit.
import type { ProviderAnswer, SmsSendOutcome } from '../../port/sms-provider.port';
import { errorCodeOf, retryAfterSeconds } from '../shared/provider-http.util';

export const TWILIO_AUTHENTICATE_ERROR = 20003;
export const TWILIO_TOO_MANY_REQUESTS_ERROR = 20429;

/** Twilio error code → outcome, for codes whose meaning does not follow from the HTTP status. */
export type TwilioErrorTable = Readonly<Record<number, Exclude<SmsSendOutcome['kind'], 'sent'>>>;

export function classifyTwilioError(product: string, answer: ProviderAnswer, table: TwilioErrorTable): SmsSendOutcome {
  const code = errorCodeOf(answer.json);
  const reason = `${product}: HTTP ${answer.status}${code === undefined ? '' : `, error ${code}`}`;
  const listed = code === undefined ? undefined : table[code];
  const kind =
    listed ??
    (code === TWILIO_AUTHENTICATE_ERROR || answer.status === 401
      ? 'auth_failed'
      : code === TWILIO_TOO_MANY_REQUESTS_ERROR || answer.status === 429
        ? 'rate_limited'
        : answer.status >= 500
          ? 'retryable'
          : 'misconfigured');
  if (kind === 'rate_limited') return { kind, reason, retryAfterSeconds: retryAfterSeconds(answer.headers) };
  return { kind, reason };
}

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

export function twilioAccountSidProblem(value: string): string | undefined {
  return ACCOUNT_SID.test(value) ? undefined : 'must be an Account SID (AC followed by 32 hex digits)';
}
