import { NewAuditEvent, Store } from '@honnin/persistence';
import { RequestContext } from '../common/clock';

export type AuditOutcome = 'success' | 'failure' | 'refused';

export interface AuditEntry {
  tenantId: string;
  type: string;
  outcome: AuditOutcome;
  at: Date;
  userId?: string | null;
  sessionId?: string | null;
  apiKeyId?: string | null;
  context?: RequestContext | null;
  /** Facts only: never a password, code, token or credential. */
  details?: Record<string, unknown>;
}

export function recordAudit(store: Store, entry: AuditEntry): Promise<void> {
  return store.audit.append(toAuditRow(entry));
}

export function toAuditRow(entry: AuditEntry): NewAuditEvent {
  return {
    tenantId: entry.tenantId,
    type: entry.type,
    outcome: entry.outcome,
    userId: entry.userId ?? null,
    sessionId: entry.sessionId ?? null,
    apiKeyId: entry.apiKeyId ?? null,
    ip: entry.context?.ip ?? null,
    userAgent: entry.context?.userAgent?.slice(0, 512) ?? null,
    details: entry.details ?? {},
    createdAt: entry.at,
  };
}
