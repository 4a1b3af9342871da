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
  basicAuthorization,
  formBody,
  timeoutOf,
  validateProviderSettings,
} from '../shared/provider-http.util';
import { classifyTwilioError, twilioAccountSidProblem, type TwilioErrorTable } from './twilio-error.classifier';

export const TWILIO_DEFAULT_BASE_URL = 'https://api.twilio.com';
const TWILIO_CREDENTIAL_FIELDS = [
  { name: 'accountSid', required: true },
  { name: 'authToken', required: true },
] as const;

/** Messaging errors that mean this number will never get the message, whichever provider tries. */
const TWILIO_MESSAGE_ERRORS: TwilioErrorTable = {
  21211: 'invalid_recipient', // invalid 'To' number
  21614: 'invalid_recipient', // not a mobile number
  21408: 'invalid_recipient', // region not enabled (Geo Permissions)
  21610: 'invalid_recipient', // recipient opted out (STOP)
};

const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const SHORT_CODE = /^\d{3,8}$/;
const ALPHANUMERIC_SENDER_ID = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;

function twilioSenderProblem(sender: string | undefined): string | undefined {
  if (!sender) return 'is required: a From number, alphanumeric sender id or Messaging Service SID (MG…)';
  if (sender.startsWith('MG')) {
    return MESSAGING_SERVICE_SID.test(sender) ? undefined : 'a Messaging Service SID is MG followed by 32 hex digits';
  }
  if (E164.test(sender) || SHORT_CODE.test(sender) || ALPHANUMERIC_SENDER_ID.test(sender)) return undefined;
  return 'must be an E.164 number, a short code, an alphanumeric sender id (up to 11 characters) or a Messaging Service SID';
}

/**
 * Twilio Programmable Messaging. Its Messages API takes no idempotency key or client reference, so our
 * message id travels only inside the StatusCallback URL the caller builds.
 */
export class TwilioSmsProvider implements SmsProvider {
  readonly type = 'TWILIO' as const;

  constructor(
    private readonly settings: SmsProviderSettings,
    private readonly deps: SmsProviderDeps,
  ) {}

  async send(message: OutgoingSms): Promise<SmsSendOutcome> {
    const accountSid = this.settings.credentials['accountSid'] ?? '';
    const sender = this.settings.sender ?? '';
    const result = await this.deps.post(
      {
        url: `${baseUrlOf(this.settings, TWILIO_DEFAULT_BASE_URL)}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`,
        headers: {
          authorization: basicAuthorization(accountSid, this.settings.credentials['authToken'] ?? ''),
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: formBody({
          To: message.to,
          ...(MESSAGING_SERVICE_SID.test(sender) ? { MessagingServiceSid: sender } : { From: sender }),
          Body: message.body,
          StatusCallback: message.statusCallbackUrl,
        }),
      },
      timeoutOf(this.settings),
    );
    if (result.kind === 'unreachable') return { kind: 'retryable', reason: `twilio: ${result.reason}` };

    const { answer } = result;
    if (answer.status >= 200 && answer.status < 300) {
      const sid = (answer.json as { sid?: unknown } | undefined)?.sid;
      if (typeof sid === 'string' && sid !== '') return { kind: 'sent', providerMessageId: sid };
      return { kind: 'misconfigured', reason: `twilio: HTTP ${answer.status} without a message sid` };
    }
    return classifyTwilioError('twilio', answer, TWILIO_MESSAGE_ERRORS);
  }
}

export const twilioSmsProviderDefinition: SmsProviderDefinition = {
  type: 'TWILIO',
  credentialFields: TWILIO_CREDENTIAL_FIELDS,
  defaultBaseUrl: TWILIO_DEFAULT_BASE_URL,
  validate: (settings) =>
    validateProviderSettings(settings, {
      credentialFields: TWILIO_CREDENTIAL_FIELDS,
      credentialFormats: { accountSid: twilioAccountSidProblem },
      sender: twilioSenderProblem,
    }),
  create: (settings, deps) => new TwilioSmsProvider(settings, deps),
};
