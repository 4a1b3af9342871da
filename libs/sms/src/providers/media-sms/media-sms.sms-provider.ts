import { createHash } from 'node:crypto';
import type {
  OutgoingSms,
  ProviderAnswer,
  SmsProvider,
  SmsProviderDefinition,
  SmsProviderDeps,
  SmsProviderSettings,
  SmsSendOutcome,
} from '../../port/sms-provider.port';
import { toJapaneseDomesticNumber } from '../shared/japanese-domestic-number';
import {
  basicAuthorization,
  baseUrlOf,
  formBody,
  retryAfterSeconds,
  timeoutOf,
  validateProviderSettings,
} from '../shared/provider-http.util';

/** The long-message limit (UCS-2 characters) of a Media SMS account with the long-text option. */
export const MEDIA_SMS_MAX_TEXT_CHARACTERS = 670;
export const MEDIA_SMS_REFERENCE_LENGTH = 20;

const CREDENTIAL_FIELDS = [
  { name: 'username', required: true },
  { name: 'password', required: true },
] as const;

/**
 * The `smsid` we send for one of our messages: the first 20 hex digits of SHA-256(our id). Media SMS
 * wants it unique per send and its documented length limit could not be confirmed, so our ids (UUIDs,
 * 36 characters) are shortened to a safe alphanumeric length; 80 bits keep collisions out of reach.
 * Deterministic, so a retry of the same message reuses it and Media SMS reports a duplicate instead of
 * sending twice.
 */
export function mediaSmsReference(messageId: string): string {
  return createHash('sha256').update(messageId, 'utf8').digest('hex').slice(0, MEDIA_SMS_REFERENCE_LENGTH);
}

/** Result codes Media SMS answers in a bare body, and what each means for us. */
const OUTCOME_BY_RESULT_CODE: Record<string, (reason: string, smsid: string) => SmsSendOutcome> = {
  '200': (_reason, smsid) => ({ kind: 'sent', providerMessageId: smsid }),
  // Duplicate smsid: this very message was accepted before (our retry after a lost answer).
  '587': (_reason, smsid) => ({ kind: 'sent', providerMessageId: smsid }),
  '624': (_reason, smsid) => ({ kind: 'sent', providerMessageId: smsid }),
  '401': (reason) => ({ kind: 'auth_failed', reason }),
  '560': (reason) => ({ kind: 'invalid_recipient', reason }),
  '585': (reason) => ({ kind: 'misconfigured', reason }),
  // Our IP address is not on the account's allow list.
  '555': (reason) => ({ kind: 'misconfigured', reason }),
  '550': (reason) => ({ kind: 'retryable', reason }),
};

/**
 * Media SMS (メディア4u): `POST {base}/api/` with HTTP Basic auth and form fields `mobilenumber`
 * (domestic 11 digits), `smstext` and `smsid`. There is no public default endpoint we can vouch for
 * (each product has its own host), so `baseUrl` is required.
 */
export class MediaSmsProvider implements SmsProvider {
  readonly type = 'MEDIA_SMS' as const;

  constructor(
    private readonly settings: SmsProviderSettings,
    private readonly deps: SmsProviderDeps,
  ) {}

  async send(message: OutgoingSms): Promise<SmsSendOutcome> {
    const mobilenumber = toJapaneseDomesticNumber(message.to);
    if (!mobilenumber) return { kind: 'invalid_recipient', reason: 'MEDIA_SMS delivers only to Japanese 11-digit numbers' };
    if ([...message.body].length > MEDIA_SMS_MAX_TEXT_CHARACTERS) {
      return { kind: 'misconfigured', reason: `text longer than ${MEDIA_SMS_MAX_TEXT_CHARACTERS} characters` };
    }
    const { username, password } = this.settings.credentials;
    const smsid = mediaSmsReference(message.id);
    const result = await this.deps.post(
      {
        url: `${baseUrlOf(this.settings, '')}/api/`,
        headers: {
          authorization: basicAuthorization(username, password),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: formBody({ mobilenumber, smstext: message.body, smsid }),
      },
      timeoutOf(this.settings),
    );
    if (result.kind === 'unreachable') return { kind: 'retryable', reason: result.reason };
    return classifyMediaSmsAnswer(result.answer, smsid);
  }
}

/**
 * A 2xx answer must carry a bare result code; anything else there is not Media SMS (a wrong baseUrl).
 * A non-2xx answer is read by its result code when it has one, else by its HTTP status.
 */
export function classifyMediaSmsAnswer(answer: ProviderAnswer, smsid: string): SmsSendOutcome {
  const bareCode = /^\d{3}$/.test(answer.text.trim()) ? answer.text.trim() : undefined;
  const isHttpSuccess = answer.status >= 200 && answer.status < 300;
  if (isHttpSuccess && !bareCode) {
    return { kind: 'misconfigured', reason: `HTTP ${answer.status} without a Media SMS result code` };
  }
  const code = bareCode ?? String(answer.status);
  const reason = `result ${code}`;
  const known = Object.hasOwn(OUTCOME_BY_RESULT_CODE, code) ? OUTCOME_BY_RESULT_CODE[code](reason, smsid) : undefined;
  // A success code on an HTTP error is contradictory: never count it as sent.
  if (known && !(known.kind === 'sent' && !isHttpSuccess)) return known;
  if (code === '429') {
    const retryAfter = retryAfterSeconds(answer.headers);
    return { kind: 'rate_limited', reason, ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }) };
  }
  if (code === '408' || Number(code) >= 500 || answer.status >= 500) return { kind: 'retryable', reason };
  return { kind: 'misconfigured', reason };
}

export const mediaSmsProviderDefinition: SmsProviderDefinition = {
  type: 'MEDIA_SMS',
  credentialFields: CREDENTIAL_FIELDS,
  validate: (settings) =>
    validateProviderSettings(settings, {
      credentialFields: CREDENTIAL_FIELDS,
      credentialFormats: {
        // A colon cannot travel inside HTTP Basic credentials' user part.
        username: (value) => (value.includes(':') ? 'must not contain ":"' : undefined),
      },
      baseUrlRequired: true,
      sender: 'unused',
    }),
  create: (settings, deps) => new MediaSmsProvider(settings, deps),
};
