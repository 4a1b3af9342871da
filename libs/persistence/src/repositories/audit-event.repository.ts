import { EntityManager } from 'typeorm';
import { AuditEventEntity } from '../entities/audit-event.entity';
import { insertRow, insertRows, Write } from '../writes';

export type NewAuditEvent = Omit<AuditEventEntity, 'id'>;

export interface AuditEventQuery {
  tenantId: string;
  type?: string;
  userId?: string;
  since?: Date;
  until?: Date;
  /** Return events with an id below this one (newest first). */
  beforeId?: string;
  limit: number;
}

/** The INSERT of one audit event, to run alone or combined with the change it records (`combineWrites`). */
export function auditInsert(e: NewAuditEvent): Write {
  return insertRow('audit_events', auditColumns(e));
}

/** An event as the columns of its row. */
export function auditColumns(e: NewAuditEvent): Record<string, unknown> {
  return {
    tenant_id: e.tenantId, type: e.type, outcome: e.outcome, user_id: e.userId, session_id: e.sessionId, api_key_id: e.apiKeyId,
    ip: e.ip, user_agent: e.userAgent, details: e.details, created_at: e.createdAt,
  };
}

export class AuditEventRepository {
  constructor(private readonly manager: EntityManager) {}

  async append(event: NewAuditEvent): Promise<void> {
    const write = auditInsert(event);
    await this.manager.query(write.sql, [...write.params]);
  }

  /** Many events in one statement (and one commit). */
  async appendMany(events: NewAuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    const write = insertRows('audit_events', events.map(auditColumns));
    await this.manager.query(write.sql, [...write.params]);
  }

  /** Newest first, keyset-paginated on the id. */
  async find(query: AuditEventQuery): Promise<AuditEventEntity[]> {
    const where = ['tenant_id = $1'];
    const params: unknown[] = [query.tenantId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.type) add('type = ?', query.type);
    if (query.userId) add('user_id = ?', query.userId);
    if (query.since) add('created_at >= ?', query.since);
    if (query.until) add('created_at < ?', query.until);
    if (query.beforeId) add('id < ?', query.beforeId);
    params.push(query.limit);
    return this.manager.query(
      `SELECT id::text, tenant_id AS "tenantId", type, outcome, user_id AS "userId", session_id AS "sessionId",
              api_key_id AS "apiKeyId", ip, user_agent AS "userAgent", details, created_at AS "createdAt"
         FROM audit_events WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
  }
}
