import { EntityManager } from 'typeorm';
import { DeliveryStatus } from '../entities/sms-challenge.entity';
import { SmsOutboxMessageEntity } from '../entities/sms-outbox-message.entity';
import { auditColumns, NewAuditEvent } from './audit-event.repository';
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
    // The keys as arrays, for the planner to look the messages up by id; the rest as one JSON document,
    // which pg sends as it is where text arrays would be written again with their quotes escaped.
    const records = sent.map((e) => ({
      id: e.id, sent_at: e.record.at, provider_config_id: e.record.providerConfigId, provider_type: e.record.providerType,
      provider_message_id: e.record.providerMessageId, last_outcome: e.record.outcome, audit: auditColumns(e.audit),
    }));
    const rows = await this.run<{ id: string }>(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[]) AS i(id, lease)),
       records AS (
         SELECT * FROM json_to_recordset($3::json)
           AS r(id uuid, sent_at timestamptz, provider_config_id uuid, provider_type text, provider_message_id text, last_outcome text, audit json)),
       sent AS (
         UPDATE sms_outbox o SET status = 'SENT', body_ciphertext = NULL, sent_at = r.sent_at, provider_message_id = r.provider_message_id,
                delivery_status = 'SENT', provider_config_id = r.provider_config_id, provider_type = r.provider_type, last_outcome = r.last_outcome
           FROM input i JOIN records r ON r.id = i.id
          WHERE o.id = i.id AND o.claimed_until = i.lease
          RETURNING o.id, o.challenge_id, r.audit),
       challenge AS (
         UPDATE sms_challenges SET delivery_status = 'SENT' WHERE id IN (SELECT challenge_id FROM sent)),
       audit AS (
         INSERT INTO audit_events (tenant_id, type, outcome, user_id, session_id, api_key_id, ip, user_agent, details, created_at)
         SELECT a.tenant_id, a.type, a.outcome, a.user_id, a.session_id, a.api_key_id, a.ip, a.user_agent, a.details, a.created_at
           FROM sent s, json_populate_record(NULL::audit_events, s.audit) a)
       SELECT id FROM sent`,
      [sent.map((e) => e.id), sent.map((e) => e.lease), JSON.stringify(records)],
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
