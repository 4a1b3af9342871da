import type {
  DelegatedCheckOutcome,
  DelegatedVerificationProvider,
  ProviderRequest,
  SmsProvider,
  SmsProviderDefinition,
  SmsProviderDeps,
  SmsProviderSettings,
  SmsSendOutcome,
} from '../../port/sms-provider.port';
import { classifyTwilioError, twilioAccountSidProblem, type TwilioErrorTable } from '../twilio/twilio-error.classifier';
import {
  baseUrlOf,
  basicAuthorization,
  errorCodeOf,
  formBody,
  timeoutOf,
  validateProviderSettings,
} from '../shared/provider-http.util';

export const TWILIO_VERIFY_DEFAULT_BASE_URL = 'https://verify.twilio.com';
const TWILIO_VERIFY_CREDENTIAL_FIELDS = [
  { name: 'accountSid', required: true },
  { name: 'authToken', required: true },
  { name: 'serviceSid', required: true },
] as const;

const VERIFY_START_ERRORS: TwilioErrorTable = {
  60200: 'misconfigured', // invalid parameter
  60203: 'rate_limited', // max send attempts reached for this number
  60410: 'invalid_recipient', // blocked by Fraud Guard
};
const MAX_CHECK_ATTEMPTS_ERROR = 60202;
const INVALID_PARAMETER_ERROR = 60200;
const GONE_STATUSES = new Set(['canceled', 'max_attempts_reached', 'expired', 'failed', 'deleted']);

// Locales Twilio Verify knows with a region; for the rest it wants the bare language.
const REGIONAL_LOCALES = new Set(['en-gb', 'pt-br', 'zh-cn', 'zh-hk']);

/** Our BCP 47 locale as Twilio Verify names it (`ja-JP` → `ja`, `pt-BR` → `pt-BR`). */
export function twilioVerifyLocale(locale: string): string | undefined {
  const normalised = locale.trim().replace('_', '-');
  if (!normalised) return undefined;
  if (REGIONAL_LOCALES.has(normalised.toLowerCase())) {
    const [language, region] = normalised.split('-');
    return `${language?.toLowerCase()}-${region?.toUpperCase()}`;
  }
  return normalised.split('-')[0]?.toLowerCase();
}

const SERVICE_SID = /^VA[0-9a-fA-F]{32}$/;

/**
 * Twilio Verify makes, sends and checks the code itself. Verify takes no client reference, so
 * `reference` only shows up in our logs; the returned verification SID is what a check needs.
 */
export class TwilioVerifyDelegatedProvider implements DelegatedVerificationProvider {
  readonly type = 'TWILIO_VERIFY' as const;

  constructor(
    private readonly settings: SmsProviderSettings,
    private readonly deps: SmsProviderDeps,
  ) {}

  async startVerification(request: { reference: string; to: string; locale: string }): Promise<SmsSendOutcome> {
    const result = await this.deps.post(
      this.request('Verifications', { To: request.to, Channel: 'sms', Locale: twilioVerifyLocale(request.locale) }),
      timeoutOf(this.settings),
    );
    if (result.kind === 'unreachable') return { kind: 'retryable', reason: `twilio verify: ${result.reason}` };
    const { answer } = result;
    if (answer.status >= 200 && answer.status < 300) {
      const sid = (answer.json as { sid?: unknown } | undefined)?.sid;
      if (typeof sid !== 'string' || sid === '') {
        return { kind: 'misconfigured', reason: `twilio verify: HTTP ${answer.status} without a verification sid` };
      }
      this.deps.log('sms.twilio_verify.started', { reference: request.reference, verificationSid: sid });
      return { kind: 'sent', providerMessageId: sid };
    }
    return classifyTwilioError('twilio verify', answer, VERIFY_START_ERRORS);
  }

  async checkVerification(request: { to: string; providerVerificationId: string; code: string }): Promise<DelegatedCheckOutcome> {
    const result = await this.deps.post(
      this.request('VerificationCheck', { VerificationSid: request.providerVerificationId, Code: request.code }),
      timeoutOf(this.settings),
    );
    if (result.kind === 'unreachable') return { kind: 'retryable', reason: `twilio verify: ${result.reason}` };
    const { status, json } = result.answer;
    const code = errorCodeOf(json);
    const reason = `twilio verify: HTTP ${status}${code === undefined ? '' : `, error ${code}`}`;

    if (status >= 200 && status < 300) {
      const verificationStatus = (json as { status?: unknown } | undefined)?.status;
      if (verificationStatus === 'approved') return { kind: 'approved' };
      if (verificationStatus === 'pending') return { kind: 'wrong_code' };
      if (typeof verificationStatus === 'string' && GONE_STATUSES.has(verificationStatus)) {
        return { kind: 'gone', reason: `twilio verify: ${verificationStatus}` };
      }
      return { kind: 'retryable', reason: `${reason}, unexpected status` };
    }
    if (status === 404) return { kind: 'gone', reason: 'twilio verify: verification not found' };
    if (code === MAX_CHECK_ATTEMPTS_ERROR) return { kind: 'gone', reason: 'twilio verify: max_attempts_reached' };
    // Twilio refuses a code that is not 4-10 digits as an invalid parameter: it is just a wrong code.
    if (code === INVALID_PARAMETER_ERROR) return { kind: 'wrong_code' };
    if (status === 429 || status >= 500) return { kind: 'retryable', reason };
    // Any other refusal (bad credentials, wrong service, ...) needs an operator: the check outcome has
    // no `misconfigured`, and `auth_failed` is the one that stops and alerts.
    return { kind: 'auth_failed', reason };
  }

  private request(resource: 'Verifications' | 'VerificationCheck', fields: Record<string, string | undefined>): ProviderRequest {
    const { accountSid = '', authToken = '', serviceSid = '' } = this.settings.credentials;
    return {
      url: `${baseUrlOf(this.settings, TWILIO_VERIFY_DEFAULT_BASE_URL)}/v2/Services/${encodeURIComponent(serviceSid)}/${resource}`,
      headers: {
        authorization: basicAuthorization(accountSid, authToken),
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: formBody(fields),
    };
  }
}

/** What the router sees: TWILIO_VERIFY cannot carry our own text, so a plain send is refused. */
class TwilioVerifyRefusingSmsProvider implements SmsProvider {
  readonly type = 'TWILIO_VERIFY' as const;

  async send(): Promise<SmsSendOutcome> {
    return { kind: 'misconfigured', reason: 'TWILIO_VERIFY sends its own message: use the delegated verification flow' };
  }
}

export function createTwilioVerifyDelegatedProvider(
  settings: SmsProviderSettings,
  deps: SmsProviderDeps,
): DelegatedVerificationProvider {
  return new TwilioVerifyDelegatedProvider(settings, deps);
}

export const twilioVerifySmsProviderDefinition: SmsProviderDefinition = {
  type: 'TWILIO_VERIFY',
  credentialFields: TWILIO_VERIFY_CREDENTIAL_FIELDS,
  defaultBaseUrl: TWILIO_VERIFY_DEFAULT_BASE_URL,
  validate: (settings) =>
    validateProviderSettings(settings, {
      credentialFields: TWILIO_VERIFY_CREDENTIAL_FIELDS,
      credentialFormats: {
        accountSid: twilioAccountSidProblem,
        serviceSid: (value) => (SERVICE_SID.test(value) ? undefined : 'must be a Verify Service SID (VA followed by 32 hex digits)'),
      },
      sender: 'unused',
    }),
  create: () => new TwilioVerifyRefusingSmsProvider(),
};
