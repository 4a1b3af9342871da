import { EntityManager } from 'typeorm';
import { DeliveryStatus } from '../entities/sms-challenge.entity';
import { SmsOutboxMessageEntity } from '../entities/sms-outbox-message.entity';
import type { NewAuditEvent } from './audit-event.repository';
import type { RunStatement } from '../prepared';
import { insertRow, Write } from '../writes';

const COLUMNS = `id, tenant_id AS "tenantId", challenge_id AS "challengeId", kind, to_e164 AS "toE164",
  body_ciphertext AS "bodyCiphertext", locale, status, attempts, next_attempt_at AS "nextAttemptAt",
  claimed_until AS "claimedUntil", expires_at AS "expiresAt", provider_config_id AS "providerConfigId",
  provider_type AS "providerType", provider_message_id AS "providerMessageId", last_outcome AS "lastOutcome",
  delivery_status AS "deliveryStatus", created_at AS "createdAt", sent_at AS "sentAt"`;

export interface SendRecord {
  providerConfigId: string | null;
  providerType: string | null;
  outcome: string;
}

/** A message the provider took, to record under the lease it was claimed with, with its audit event. */
export interface SentMessageRecord {
  id: string;
  lease: Date;
  record: SendRecord & { providerMessageId: string; at: Date };
  audit: NewAuditEvent;
}

/** The INSERT of a message waiting to be sent, to combine with what it belongs to (`combineWrites`). */
export function outboxInsert(m: SmsOutboxMessageEntity): Write {
  return insertRow('sms_outbox', {
    id: m.id, tenant_id: m.tenantId, challenge_id: m.challengeId, kind: m.kind, to_e164: m.toE164, body_ciphertext: m.bodyCiphertext,
    locale: m.locale, status: m.status, attempts: m.attempts, next_attempt_at: m.nextAttemptAt, claimed_until: m.claimedUntil,
    expires_at: m.expiresAt, provider_config_id: m.providerConfigId, provider_type: m.providerType,
    provider_message_id: m.providerMessageId, last_outcome: m.lastOutcome, delivery_status: m.deliveryStatus,
    created_at: m.createdAt, sent_at: m.sentAt,
  });
}

export class SmsOutboxRepository {
  /** `run`: the store's statements of the hot paths (prepared outside a transaction). */
  constructor(
    private readonly manager: EntityManager,
    private readonly run: RunStatement,
  ) {}

  /**
   * Leases up to `limit` due messages to one dispatcher. SKIP LOCKED lets several dispatchers claim at
   * once without waiting on each other; the lease lets another take over a message whose sender died.
   */
  claimDue(now: Date, leaseUntil: Date, limit: number): Promise<SmsOutboxMessageEntity[]> {
    return this.run<SmsOutboxMessageEntity>(
      `UPDATE sms_outbox SET claimed_until = $2, attempts = attempts + 1
        WHERE id IN (
          SELECT id FROM sms_outbox
           WHERE status = 'PENDING' AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1)
           ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING ${COLUMNS}`,
      [now, leaseUntil, limit],
    );
  }

  /**
   * Messages sent, in one statement whose every row holds only while its lease is ours: the body is
   * cleared, the message's challenge (if any) becomes SENT and its audit event is written. Answers the
   * ids recorded; a message whose lease was lost meanwhile is left as it was.
   */
  async recordSent(sent: readonly SentMessageRecord[]): Promise<Set<string>> {
    if (sent.length === 0) return new Set();
    const column = <T>(pick: (entry: SentMessageRecord) => T) => sent.map(pick);
    const rows = await this.run<{ id: string }>(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::text[], $5::timestamptz[], $6::text[], $7::text[],
                              $8::uuid[], $9::text[], $10::text[], $11::uuid[], $12::uuid[], $13::uuid[], $14::text[], $15::text[], $16::text[], $17::timestamptz[])
           AS i(id, lease, provider_config_id, provider_type, sent_at, provider_message_id, last_outcome,
                audit_tenant_id, audit_type, audit_outcome, user_id, session_id, api_key_id, ip, user_agent, details, created_at)),
       sent AS (
         UPDATE sms_outbox o SET status = 'SENT', body_ciphertext = NULL, sent_at = i.sent_at, provider_message_id = i.provider_message_id,
                delivery_status = 'SENT', provider_config_id = i.provider_config_id, provider_type = i.provider_type, last_outcome = i.last_outcome
           FROM input i
          WHERE o.id = i.id AND o.claimed_until = i.lease
          RETURNING o.id, o.challenge_id),
       challenge AS (
         UPDATE sms_challenges SET delivery_status = 'SENT' WHERE id IN (SELECT challenge_id FROM sent)),
       audit AS (
         INSERT INTO audit_events (tenant_id, type, outcome, user_id, session_id, api_key_id, ip, user_agent, details, created_at)
         SELECT i.audit_tenant_id, i.audit_type, i.audit_outcome, i.user_id, i.session_id, i.api_key_id, i.ip, i.user_agent, i.details::jsonb, i.created_at
           FROM sent s JOIN input i ON i.id = s.id)
       SELECT id FROM sent`,
      [
        column((e) => e.id), column((e) => e.lease), column((e) => e.record.providerConfigId), column((e) => e.record.providerType),
        column((e) => e.record.at), column((e) => e.record.providerMessageId), column((e) => e.record.outcome),
        column((e) => e.audit.tenantId), column((e) => e.audit.type), column((e) => e.audit.outcome), column((e) => e.audit.userId), column((e) => e.audit.sessionId),
        column((e) => e.audit.apiKeyId), column((e) => e.audit.ip), column((e) => e.audit.userAgent), column((e) => JSON.stringify(e.audit.details)),
        column((e) => e.audit.createdAt),
      ],
    );
    return new Set(rows.map((row) => row.id));
  }

  /** Given up: the body is cleared. */
  async markFailed(id: string, lease: Date, record: SendRecord): Promise<boolean> {
    return this.settle(`status = 'FAILED', body_ciphertext = NULL, delivery_status = 'FAILED'`, id, lease, record, []);
  }

  async scheduleRetry(id: string, lease: Date, record: SendRecord & { nextAttemptAt: Date }): Promise<boolean> {
    return this.settle(`next_attempt_at = $5, claimed_until = NULL`, id, lease, record, [record.nextAttemptAt]);
  }

  /** A resend replaces the code: messages still waiting with the old one are dropped. */
  async cancelPendingForChallenge(challengeId: string): Promise<void> {
    await this.manager.query(
      `UPDATE sms_outbox SET status = 'CANCELLED', body_ciphertext = NULL WHERE challenge_id = $1 AND status = 'PENDING'`,
      [challengeId],
    );
  }

  async findByProviderMessageId(tenantId: string, providerMessageId: string): Promise<SmsOutboxMessageEntity | null> {
    const rows: SmsOutboxMessageEntity[] = await this.manager.query(
      `SELECT ${COLUMNS} FROM sms_outbox WHERE tenant_id = $1 AND provider_message_id = $2`,
      [tenantId, providerMessageId],
    );
    return rows[0] ?? null;
  }

  async setDeliveryStatus(id: string, status: DeliveryStatus): Promise<void> {
    await this.manager.query(`UPDATE sms_outbox SET delivery_status = $2 WHERE id = $1`, [id, status]);
  }

  private async settle(set: string, id: string, lease: Date, record: SendRecord, extra: unknown[]): Promise<boolean> {
    const [, count]: [unknown, number] = await this.manager.query(
      `UPDATE sms_outbox SET ${set}, provider_config_id = $3, provider_type = $4, last_outcome = $${5 + extra.length}
        WHERE id = $1 AND claimed_until = $2`,
      [id, lease, record.providerConfigId, record.providerType, ...extra, record.outcome],
    );
    return count === 1;
  }
}
