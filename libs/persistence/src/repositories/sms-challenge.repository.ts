import { EntityManager } from 'typeorm';
import { DeliveryStatus, SmsChallengeEntity, SmsChallengeStatus } from '../entities/sms-challenge.entity';
import { insertRow, Write } from '../writes';

const COLUMNS = `id, tenant_id AS "tenantId", user_id AS "userId", session_id AS "sessionId", purpose,
  phone_e164 AS "phoneE164", code_key_id AS "codeKeyId", code_hash AS "codeHash", code_length AS "codeLength",
  delegated_provider_id AS "delegatedProviderId", provider_verification_id AS "providerVerificationId", status,
  attempts, max_attempts AS "maxAttempts", sends, max_sends AS "maxSends", locale, delivery_status AS "deliveryStatus",
  expires_at AS "expiresAt", last_sent_at AS "lastSentAt", created_at AS "createdAt", verified_at AS "verifiedAt"`;

/** Who may touch a challenge: its tenant, user and session, nobody else. */
export interface ChallengeOwner {
  tenantId: string;
  userId: string;
  sessionId: string;
}

/** The INSERT of a new challenge, to run alone or combined with its outbox row (`combineWrites`). */
export function challengeInsert(c: SmsChallengeEntity): Write {
  return insertRow('sms_challenges', {
    id: c.id, tenant_id: c.tenantId, user_id: c.userId, session_id: c.sessionId, purpose: c.purpose, phone_e164: c.phoneE164,
    code_key_id: c.codeKeyId, code_hash: c.codeHash, code_length: c.codeLength, delegated_provider_id: c.delegatedProviderId,
    provider_verification_id: c.providerVerificationId, status: c.status, attempts: c.attempts, max_attempts: c.maxAttempts,
    sends: c.sends, max_sends: c.maxSends, locale: c.locale, delivery_status: c.deliveryStatus, expires_at: c.expiresAt,
    last_sent_at: c.lastSentAt, created_at: c.createdAt, verified_at: c.verifiedAt,
  });
}

export class SmsChallengeRepository {
  constructor(private readonly manager: EntityManager) {}

  async findOwned(owner: ChallengeOwner, id: string): Promise<SmsChallengeEntity | null> {
    const rows: SmsChallengeEntity[] = await this.manager.query(
      `SELECT ${COLUMNS} FROM sms_challenges WHERE id = $1 AND tenant_id = $2 AND user_id = $3 AND session_id = $4`,
      [id, owner.tenantId, owner.userId, owner.sessionId],
    );
    return rows[0] ?? null;
  }

  /** Counts one attempt before any comparison, atomically; null when the challenge is not pending or not the owner's. */
  async countAttempt(owner: ChallengeOwner, id: string): Promise<SmsChallengeEntity | null> {
    const [rows]: [SmsChallengeEntity[], number] = await this.manager.query(
      `UPDATE sms_challenges SET attempts = attempts + 1
        WHERE id = $1 AND tenant_id = $2 AND user_id = $3 AND session_id = $4 AND status = 'PENDING'
        RETURNING ${COLUMNS}`,
      [id, owner.tenantId, owner.userId, owner.sessionId],
    );
    return rows[0] ?? null;
  }

  /**
   * The one statement that spends a code: true for exactly one caller. The caller's own attempt was
   * already counted and found within the limit; later attempts raising the counter do not undo that.
   */
  async consume(tenantId: string, id: string, at: Date): Promise<boolean> {
    const [, count]: [unknown, number] = await this.manager.query(
      `UPDATE sms_challenges SET status = 'VERIFIED', verified_at = $3
        WHERE id = $1 AND tenant_id = $2 AND status = 'PENDING' AND expires_at > $3`,
      [id, tenantId, at],
    );
    return count === 1;
  }

  /**
   * Ends a pending challenge. Exhaustion is not stored: it follows from the attempt counter, so a
   * guess over the limit can never end a challenge under a concurrent right guess that came first.
   */
  async settle(tenantId: string, id: string, status: Exclude<SmsChallengeStatus, 'PENDING' | 'VERIFIED' | 'EXHAUSTED'>): Promise<boolean> {
    const [, count]: [unknown, number] = await this.manager.query(
      `UPDATE sms_challenges SET status = $3 WHERE id = $1 AND tenant_id = $2 AND status = 'PENDING'`,
      [id, tenantId, status],
    );
    return count === 1;
  }

  /** A resend: new code and expiry, one more send; attempts untouched. False when someone else resent first. */
  async replaceCode(
    tenantId: string,
    id: string,
    change: { previousSends: number; codeKeyId: string | null; codeHash: Buffer | null; providerVerificationId: string | null; sentAt: Date; expiresAt: Date },
  ): Promise<boolean> {
    const [, count]: [unknown, number] = await this.manager.query(
      `UPDATE sms_challenges
          SET code_key_id = $4, code_hash = $5, provider_verification_id = $6, sends = sends + 1, last_sent_at = $7,
              expires_at = $8, delivery_status = 'PENDING'
        WHERE id = $1 AND tenant_id = $2 AND status = 'PENDING' AND sends = $3`,
      [id, tenantId, change.previousSends, change.codeKeyId, change.codeHash, change.providerVerificationId, change.sentAt, change.expiresAt],
    );
    return count === 1;
  }

  async findById(tenantId: string, id: string): Promise<SmsChallengeEntity | null> {
    const rows: SmsChallengeEntity[] = await this.manager.query(`SELECT ${COLUMNS} FROM sms_challenges WHERE id = $1 AND tenant_id = $2`, [id, tenantId]);
    return rows[0] ?? null;
  }

  /** The id a delegating provider (Twilio Verify) gave the verification it sent. */
  async setProviderVerificationId(tenantId: string, id: string, providerVerificationId: string): Promise<void> {
    await this.manager.query(`UPDATE sms_challenges SET provider_verification_id = $3 WHERE id = $1 AND tenant_id = $2`, [id, tenantId, providerVerificationId]);
  }

  async setDeliveryStatus(id: string, status: DeliveryStatus): Promise<void> {
    await this.manager.query(`UPDATE sms_challenges SET delivery_status = $2 WHERE id = $1`, [id, status]);
  }
}
