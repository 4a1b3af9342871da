import type {
  DeliveryReceiptParser,
  DeliveryState,
  InboundReceipt,
  ReceiptParseResult,
  SmsProviderSettings,
} from '../../port/sms-provider.port';
import { constantTimeEqual, headerOf } from '../shared/provider-http.util';
import { receiptFromStatus } from '../shared/receipt-status';
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
    return receiptFromStatus(STATE_BY_STATUS, {
      idField: 'MessageSid', id: params['MessageSid'] || params['SmsSid'],
      statusField: 'MessageStatus', status: params['MessageStatus'] || params['SmsStatus'],
      errorCode: params['ErrorCode'],
    });
  },
};
