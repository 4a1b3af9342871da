import type {
  DeliveryReceiptParser,
  DeliveryState,
  InboundReceipt,
  ReceiptParseResult,
} from '../../port/sms-provider.port';

// Final `sent_result` values; the rest (none, unknown) change nothing we track.
const STATE_BY_SENT_RESULT: ReadonlyMap<string, DeliveryState> = new Map([
  ['received', 'DELIVERED'],
  ['unconnected', 'FAILED'],
  ['error', 'FAILED'],
]);

/**
 * Karaden posts the message object as JSON when its state changes. Karaden documents no signature,
 * so this parser only parses: the caller must accept these callbacks only on a per-tenant secret URL
 * path and must check that the message id belongs to one of that tenant's messages before recording.
 */
export const karadenDeliveryReceiptParser: DeliveryReceiptParser = {
  type: 'KARADEN',
  parse(receipt: InboundReceipt): ReceiptParseResult {
    let payload: unknown;
    try {
      payload = JSON.parse(receipt.rawBody);
    } catch {
      return { kind: 'malformed', reason: 'body is not JSON' };
    }
    if (typeof payload !== 'object' || payload === null) return { kind: 'malformed', reason: 'body is not an object' };
    const { id, object, status, sent_result: sentResult } = payload as Record<string, unknown>;
    if (object !== 'message') return { kind: 'malformed', reason: 'not a message object' };
    if (typeof id !== 'string' || id === '') return { kind: 'malformed', reason: 'message id missing' };
    if (typeof status !== 'string' || typeof sentResult !== 'string') {
      return { kind: 'malformed', reason: 'status or sent_result missing' };
    }
    const providerStatus = `${status}/${sentResult}`;
    const state = STATE_BY_SENT_RESULT.get(sentResult) ?? (status === 'error' ? 'FAILED' : undefined);
    if (!state) return { kind: 'ignored', reason: `status ${providerStatus} is not final` };
    return { kind: 'ok', providerMessageId: id, state, providerStatus };
  },
};
