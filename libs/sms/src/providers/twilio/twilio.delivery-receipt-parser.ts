import type {
  DeliveryReceiptParser,
  DeliveryState,
  InboundReceipt,
  ReceiptParseResult,
  SmsProviderSettings,
} from '../../port/sms-provider.port';
import { constantTimeEqual, headerOf } from '../shared/provider-http.util';
import { twilioSignature, twilioSignedUrlCandidates } from './twilio-signature';

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';

// queued, accepted, scheduled, sending, ... change nothing we track.
const STATE_BY_STATUS: ReadonlyMap<string, DeliveryState> = new Map([
  ['sent', 'SENT'],
  ['delivered', 'DELIVERED'],
  ['undelivered', 'FAILED'],
  ['failed', 'FAILED'],
]);

/** Twilio status callbacks: form POSTs signed with the account's auth token. */
export const twilioDeliveryReceiptParser: DeliveryReceiptParser = {
  type: 'TWILIO',
  parse(receipt: InboundReceipt, settings: SmsProviderSettings): ReceiptParseResult {
    const authToken = settings.credentials['authToken'] ?? '';
    const signature = headerOf(receipt.headers, TWILIO_SIGNATURE_HEADER);
    // GET callbacks carry their parameters in the URL, which is signed as it is.
    const postParams = receipt.method.toUpperCase() === 'POST' ? [...new URLSearchParams(receipt.rawBody)] : [];
    const signed =
      !!authToken &&
      !!signature &&
      twilioSignedUrlCandidates(receipt.url)
        .map((url) => constantTimeEqual(signature, twilioSignature(authToken, url, postParams)))
        .some(Boolean);
    if (!signed) return { kind: 'bad_signature' };

    const params = receipt.params;
    const messageSid = params['MessageSid'] || params['SmsSid'];
    const status = params['MessageStatus'] || params['SmsStatus'];
    if (!messageSid) return { kind: 'malformed', reason: 'MessageSid is missing' };
    if (!status) return { kind: 'malformed', reason: 'MessageStatus is missing' };
    const state = STATE_BY_STATUS.get(status);
    if (!state) return { kind: 'ignored', reason: `status ${status}` };
    const errorCode = params['ErrorCode'];
    return {
      kind: 'ok',
      providerMessageId: messageSid,
      state,
      providerStatus: status,
      ...(state === 'FAILED' && errorCode ? { errorCode } : {}),
    };
  },
};
