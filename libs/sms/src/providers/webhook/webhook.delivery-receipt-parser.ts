import type {
  DeliveryReceiptParser,
  InboundReceipt,
  ReceiptParseResult,
  SmsProviderSettings,
} from '../../port/sms-provider.port';
import { HONNIN_SIGNATURE_HEADER, verifyHonninSignature } from './honnin-signature';
import { headerOf } from '../shared/provider-http.util';

export interface WebhookDeliveryReceiptParserOptions {
  /** The clock that decides whether a signature is too old. */
  now?: () => Date;
}

/**
 * Receipts a WEBHOOK provider posts back: JSON `{ id, status: 'DELIVERED' | 'FAILED', errorCode? }`
 * signed like our messages with the provider's secret, at most 5 minutes old. `id` is the id the
 * provider answered the send with (ours when it answered none).
 */
export function createWebhookDeliveryReceiptParser(options: WebhookDeliveryReceiptParserOptions = {}): DeliveryReceiptParser {
  const now = options.now ?? (() => new Date());
  return {
    type: 'WEBHOOK',
    parse(receipt: InboundReceipt, settings: SmsProviderSettings): ReceiptParseResult {
      const signature = headerOf(receipt.headers, HONNIN_SIGNATURE_HEADER);
      if (!verifyHonninSignature(signature, receipt.rawBody, settings.credentials['secret'] ?? '', now())) {
        return { kind: 'bad_signature' };
      }
      let json: unknown;
      try {
        json = JSON.parse(receipt.rawBody) as unknown;
      } catch {
        return { kind: 'malformed', reason: 'body is not JSON' };
      }
      if (typeof json !== 'object' || json === null) return { kind: 'malformed', reason: 'body is not an object' };
      const { id, status, errorCode } = json as Record<string, unknown>;
      if (typeof id !== 'string' || id === '') return { kind: 'malformed', reason: 'id is missing' };
      if (typeof status !== 'string') return { kind: 'malformed', reason: 'status is missing' };
      if (status !== 'DELIVERED' && status !== 'FAILED') return { kind: 'ignored', reason: `status ${status}` };
      const code = typeof errorCode === 'string' || typeof errorCode === 'number' ? String(errorCode) : undefined;
      return {
        kind: 'ok',
        providerMessageId: id,
        state: status,
        providerStatus: status,
        ...(status === 'FAILED' && code ? { errorCode: code } : {}),
      };
    },
  };
}

export const webhookDeliveryReceiptParser = createWebhookDeliveryReceiptParser();
