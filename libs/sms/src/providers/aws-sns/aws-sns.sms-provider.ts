import { type MessageAttributeValue, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type {
  OutgoingSms,
  SmsProvider,
  SmsProviderDefinition,
  SmsProviderSettings,
  SmsSendOutcome,
} from '../../port/sms-provider.port';
import { timeoutOf, validateProviderSettings } from '../shared/provider-http.util';

const CREDENTIAL_FIELDS = [
  { name: 'region', required: true },
  { name: 'accessKeyId', required: true },
  { name: 'secretAccessKey', required: true },
] as const;

const E164 = /^\+[1-9]\d{6,14}$/;

type FailureKind = Exclude<SmsSendOutcome['kind'], 'sent'>;

/** Query API error codes and what they mean for us. */
const KIND_BY_ERROR_CODE: Record<string, FailureKind> = {
  InvalidParameter: 'invalid_recipient',
  InvalidParameterValue: 'invalid_recipient',
  ParameterValueInvalid: 'invalid_recipient',
  OptedOut: 'invalid_recipient',
  AuthorizationError: 'auth_failed',
  InvalidSecurity: 'auth_failed',
  InvalidClientTokenId: 'auth_failed',
  SignatureDoesNotMatch: 'auth_failed',
  UnrecognizedClient: 'auth_failed',
  ExpiredToken: 'auth_failed',
  AccessDenied: 'auth_failed',
  Throttling: 'rate_limited',
  Throttled: 'rate_limited',
  InternalError: 'retryable',
  InternalFailure: 'retryable',
  ServiceUnavailable: 'retryable',
};

/**
 * Amazon SNS `Publish` straight to a phone number, through the AWS SDK (SigV4, Query API). SNS has no
 * idempotency key for SMS, so a retry after a lost answer can send twice; our id is not sent.
 * The SDK brings its own HTTP client, so it takes no `deps`.
 */
export class AwsSnsSmsProvider implements SmsProvider {
  readonly type = 'AWS_SNS' as const;
  private readonly client: SNSClient;

  constructor(private readonly settings: SmsProviderSettings) {
    const { region, accessKeyId, secretAccessKey } = settings.credentials;
    this.client = new SNSClient({
      region,
      // Without a baseUrl the SDK uses the regional endpoint, https://sns.{region}.amazonaws.com.
      ...(settings.baseUrl ? { endpoint: settings.baseUrl } : {}),
      credentials: { accessKeyId, secretAccessKey },
      // Our dispatcher and router retry and fail over; SDK retries would only stretch the deadline.
      maxAttempts: 1,
    });
  }

  async send(message: OutgoingSms): Promise<SmsSendOutcome> {
    if (!E164.test(message.to)) return { kind: 'invalid_recipient', reason: 'not an E.164 number' };
    const attributes: Record<string, MessageAttributeValue> = {
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
    };
    if (this.settings.sender) {
      attributes['AWS.SNS.SMS.SenderID'] = { DataType: 'String', StringValue: this.settings.sender };
    }
    const timeoutMs = timeoutOf(this.settings);
    try {
      const result = await this.client.send(
        new PublishCommand({ PhoneNumber: message.to, Message: message.body, MessageAttributes: attributes }),
        { abortSignal: AbortSignal.timeout(timeoutMs) },
      );
      if (!result.MessageId) return { kind: 'misconfigured', reason: 'Publish answered without a MessageId' };
      return { kind: 'sent', providerMessageId: result.MessageId };
    } catch (error) {
      return classifyAwsSnsError(error, timeoutMs);
    }
  }
}

/** Maps an error thrown by the SDK to an outcome. Reasons carry the error code, never AWS's message text. */
export function classifyAwsSnsError(error: unknown, timeoutMs: number): SmsSendOutcome {
  const { name, code, status } = describeError(error);
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { kind: 'retryable', reason: `no answer within ${timeoutMs} ms` };
  }
  // No HTTP status: the request never got an answer (refused, reset, DNS).
  if (status === undefined) return { kind: 'retryable', reason: `network error (${name})` };
  const reason = `HTTP ${status} ${code}`;
  const kind = Object.hasOwn(KIND_BY_ERROR_CODE, code) ? KIND_BY_ERROR_CODE[code] : kindByStatus(status);
  return { kind, reason };
}

function kindByStatus(status: number): FailureKind {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth_failed';
  if (status >= 500 || status === 408) return 'retryable';
  return 'misconfigured';
}

function describeError(error: unknown): { name: string; code: string; status?: number } {
  if (typeof error !== 'object' || error === null) return { name: 'unknown', code: 'unknown' };
  // Not `instanceof Error`: errors may come from another realm (DOMException, test sandboxes).
  const fields = error as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const name = typeof fields.name === 'string' ? fields.name : 'unknown';
  // The SDK keeps the Query API's <Code> on service errors; its exception name adds `Exception`.
  const raw = typeof fields.Code === 'string' ? fields.Code : name.replace(/Exception$/, '');
  // Whatever answered may not be AWS: keep only a plausible code in reasons.
  const code = /^[A-Za-z0-9.]{1,64}$/.test(raw) ? raw : 'unknown';
  const status = fields.$metadata?.httpStatusCode;
  return { name, code, status: typeof status === 'number' ? status : undefined };
}

export const awsSnsSmsProviderDefinition: SmsProviderDefinition = {
  type: 'AWS_SNS',
  credentialFields: CREDENTIAL_FIELDS,
  validate: (settings) =>
    validateProviderSettings(settings, {
      credentialFields: CREDENTIAL_FIELDS,
      credentialFormats: {
        region: (value) => (/^[a-z]{2}(-[a-z]+)+-\d+$/.test(value) ? undefined : 'must be an AWS region such as ap-northeast-1'),
        accessKeyId: (value) => (/^[A-Z0-9]{16,128}$/.test(value) ? undefined : 'must be an AWS access key id'),
      },
      sender: (sender) =>
        sender === undefined || /^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$/.test(sender)
          ? undefined
          : 'must be a SenderID of 1 to 11 letters and digits with at least one letter',
    }),
  create: (settings) => new AwsSnsSmsProvider(settings),
};
