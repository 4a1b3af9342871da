import type { DeliveryState, ReceiptParseResult } from '../../port/sms-provider.port';

/** What a provider's form or query receipt said, with the names its fields have there (for the malformed reasons). */
export interface ReceiptStatusFields {
  idField: string;
  id: string | undefined;
  statusField: string;
  status: string | undefined;
  /** Kept only when the status means a failure. */
  errorCode?: string;
}

/**
 * The end every form-field receipt parse shares once the signature holds: the message id and status
 * must be there, the status is read through the provider's table (a status it does not list changes
 * nothing we track), and an error code is kept for failures only.
 */
export function receiptFromStatus(states: ReadonlyMap<string, DeliveryState>, fields: ReceiptStatusFields): ReceiptParseResult {
  const { id, status, errorCode } = fields;
  if (!id) return { kind: 'malformed', reason: `${fields.idField} is missing` };
  if (!status) return { kind: 'malformed', reason: `${fields.statusField} is missing` };
  const state = states.get(status);
  if (!state) return { kind: 'ignored', reason: `status ${status}` };
  return { kind: 'ok', providerMessageId: id, state, providerStatus: status, ...(state === 'FAILED' && errorCode ? { errorCode } : {}) };
}
