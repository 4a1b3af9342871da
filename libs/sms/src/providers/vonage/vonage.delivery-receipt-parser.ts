import type {
  DeliveryReceiptParser,
  DeliveryState,
  InboundReceipt,
  ReceiptParseResult,
  SmsProviderSettings,
} from '../../port/sms-provider.port';
import { constantTimeEqual } from '../shared/provider-http.util';
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

    const messageId = params['messageId'];
    const status = params['status'];
    if (!messageId) return { kind: 'malformed', reason: 'messageId is missing' };
    if (!status) return { kind: 'malformed', reason: 'status is missing' };
    const state = STATE_BY_STATUS.get(status);
    if (!state) return { kind: 'ignored', reason: `status ${status}` };
    const errorCode = params['err-code'];
    return {
      kind: 'ok',
      providerMessageId: messageId,
      state,
      providerStatus: status,
      ...(state === 'FAILED' && errorCode && errorCode !== NO_ERROR ? { errorCode } : {}),
    };
  },
};
