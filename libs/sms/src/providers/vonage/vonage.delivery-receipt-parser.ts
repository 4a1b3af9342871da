import type {
  DeliveryReceiptParser,
  DeliveryState,
  InboundReceipt,
  ReceiptParseResult,
  SmsProviderSettings,
} from '../../port/sms-provider.port';
import { constantTimeEqual } from '../shared/provider-http.util';
import { receiptFromStatus } from '../shared/receipt-status';
import { vonageSignature } from './vonage-signature';

// buffered, unknown, ... change nothing we track. `accepted` means the carrier took the message.
const STATE_BY_STATUS: ReadonlyMap<string, DeliveryState> = new Map([
  ['accepted', 'SENT'],
  ['delivered', 'DELIVERED'],
  ['expired', 'FAILED'],
  ['failed', 'FAILED'],
  ['rejected', 'FAILED'],
]);
const NO_ERROR = '0';

/**
 * True when receipts for these settings are signature-checked. Without a `signatureSecret` Vonage
 * receipts are accepted unsigned (Vonage signs only when the account has signing on), so the
 * gateway must then rely on an unguessable per-tenant receipt URL, as for Karaden.
 */
export function vonageReceiptsAreSigned(settings: SmsProviderSettings): boolean {
  return !!settings.credentials['signatureSecret'];
}

/** Vonage delivery receipts (GET query or POST form/JSON parameters). */
export const vonageDeliveryReceiptParser: DeliveryReceiptParser = {
  type: 'VONAGE',
  parse(receipt: InboundReceipt, settings: SmsProviderSettings): ReceiptParseResult {
    const params = receipt.params;
    const secret = settings.credentials['signatureSecret'];
    if (secret) {
      const sig = params['sig'];
      if (!sig || !constantTimeEqual(sig.toLowerCase(), vonageSignature(secret, params))) return { kind: 'bad_signature' };
    }

    const errorCode = params['err-code'];
    return receiptFromStatus(STATE_BY_STATUS, {
      idField: 'messageId', id: params['messageId'],
      statusField: 'status', status: params['status'],
      errorCode: errorCode === NO_ERROR ? undefined : errorCode,
    });
  },
};
