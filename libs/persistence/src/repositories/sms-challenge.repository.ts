import { EntityManager } from 'typeorm';
import { DeliveryStatus, SmsChallengeEntity, SmsChallengeStatus } from '../entities/sms-challenge.entity';
import { Batcher } from '../batcher';
import { ChallengeCompletion, CompletionOutcome, completionOutcomes, completionStatement } from './challenge-completion';
import type { RunStatement } from '../prepared';
import { insertRow, Write } from '../writes';

/** The entity's columns, each under its property name, of the table as `alias` (if given). */
function columnsOf(alias = ''): string {
  const of = alias ? `${alias}.` : '';
  return `${of}id, ${of}tenant_id AS "tenantId", ${of}user_id AS "userId", ${of}session_id AS "sessionId", ${of}purpose,
  ${of}phone_e164 AS "phoneE164", ${of}code_key_id AS "codeKeyId", ${of}code_hash AS "codeHash", ${of}code_length AS "codeLength",
  ${of}delegated_provider_id AS "delegatedProviderId", ${of}provider_verification_id AS "providerVerificationId", ${of}status,
  ${of}attempts, ${of}max_attempts AS "maxAttempts", ${of}sends, ${of}max_sends AS "maxSends", ${of}locale, ${of}delivery_status AS "deliveryStatus",
  ${of}expires_at AS "expiresAt", ${of}last_sent_at AS "lastSentAt", ${of}created_at AS "createdAt", ${of}verified_at AS "verifiedAt"`;
}

const COLUMNS = columnsOf();

/**
 * One attempt on each challenge, if pending, its owner's, and its user's budget counter (a `rate_limits`
 * row live at $7, epoch ms) below the limit; one statement for any number of challenges, each once.
 * Every attempt comes back: its challenge as counted, or the spent budget that refused it, or neither.
 */
const COUNT_ATTEMPTS = `WITH i AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::int[]) AS i(id, tenant_id, user_id, session_id, budget_key, budget_limit)),
  refused AS (
    SELECT i.id, b.points, b.expire FROM i JOIN rate_limits b ON b.key = i.budget_key
     WHERE (b.expire > $7 OR b.expire IS NULL) AND b.points >= i.budget_limit),
  counted AS (
    UPDATE sms_challenges c SET attempts = c.attempts + 1 FROM i
     WHERE c.id = i.id AND c.tenant_id = i.tenant_id AND c.user_id = i.user_id AND c.session_id = i.session_id AND c.status = 'PENDING'
       AND NOT EXISTS (SELECT 1 FROM refused r WHERE r.id = i.id)
    RETURNING ${columnsOf('c')})
  SELECT i.id AS "attemptedId", r.points AS "budgetPoints", r.expire AS "budgetExpire", c.*
    FROM i LEFT JOIN counted c ON c.id = i.id LEFT JOIN refused r ON r.id = i.id`;

interface AttemptOn {
  owner: ChallengeOwner;
  id: string;
  budget: AttemptBudget | null;
}

/** A counter of `rate_limits` (the user's wrong codes this hour) that must be below `limit` for an attempt to count. */
export interface AttemptBudget {
  counterKey: string;
  limit: number;
}

/** An attempt counted on its challenge; or not, the challenge not being pending or the owner's; or refused by its budget. */
export type AttemptCount =
  | { kind: 'counted'; challenge: SmsChallengeEntity }
  | { kind: 'not_pending' }
  | { kind: 'over_budget'; points: number; expiresAt: number | null };

type AttemptRow = SmsChallengeEntity & { attemptedId: string; budgetPoints: number | null; budgetExpire: string | null };

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
  /** Attempts made at about the same time, counted in one statement; a challenge tried twice at once waits for the next. */
  private readonly attempts: Batcher<AttemptOn, AttemptCount>;

  /**
   * Completions at about the same time, in one statement; a clash (two users attaching one number) runs
   * each alone. No two in a batch share a challenge, user or session.
   */
  private readonly completions: Batcher<ChallengeCompletion, CompletionOutcome>;

  /**
   * `run`: the store's statements of the hot paths (prepared outside a transaction). `notify`: false on
   * the embedded database, whose notifications the caller delivers in-process.
   */
  constructor(
    private readonly manager: EntityManager,
    private readonly run: RunStatement,
    notify: boolean,
  ) {
    this.attempts = new Batcher((tried) => this.countAttempts(tried), { keysOf: (attempt) => [attempt.id] });
    this.completions = new Batcher(
      async (batch) => {
        const statement = completionStatement(batch, notify);
        return completionOutcomes(await this.run<{ spent: boolean; taken: boolean }>(statement.sql, statement.params));
      },
      { isolateFailures: true, keysOf: (c) => [c.challengeId, c.userId, ...(c.revokeSessionId ? [c.revokeSessionId] : [])] },
    );
  }

  /**
   * Spends a challenge whose code was right and stores what that grants, all or nothing, in one
   * statement shared with the completions of the same moment. A number another user attached at the
   * same instant fails it with a unique violation on `users_tenant_phone_unique_key`.
   */
  complete(completion: ChallengeCompletion): Promise<CompletionOutcome> {
    return this.completions.add(completion);
  }

  async findOwned(owner: ChallengeOwner, id: string): Promise<SmsChallengeEntity | null> {
    const rows: SmsChallengeEntity[] = await this.manager.query(
      `SELECT ${COLUMNS} FROM sms_challenges WHERE id = $1 AND tenant_id = $2 AND user_id = $3 AND session_id = $4`,
      [id, owner.tenantId, owner.userId, owner.sessionId],
    );
    return rows[0] ?? null;
  }

  /**
   * Counts one attempt before any comparison, atomically, unless `budget` (checked in the same
   * statement, saving the round trip of reading it first) is spent.
   */
  countAttempt(owner: ChallengeOwner, id: string, budget: AttemptBudget | null = null): Promise<AttemptCount> {
    // As Postgres writes it: one challenge, however its id is spelt, is one key of the batch and one row.
    return this.attempts.add({ owner, id: id.toLowerCase(), budget });
  }

  private async countAttempts(tried: AttemptOn[]): Promise<AttemptCount[]> {
    const column = <T>(pick: (attempt: AttemptOn) => T) => tried.map(pick);
    const rows = await this.run<AttemptRow>(COUNT_ATTEMPTS, [
      column((a) => a.id), column((a) => a.owner.tenantId), column((a) => a.owner.userId), column((a) => a.owner.sessionId),
      column((a) => a.budget?.counterKey ?? null), column((a) => a.budget?.limit ?? null), Date.now(),
    ]);
    const byId = new Map(rows.map((row) => [row.attemptedId, row]));
    return tried.map((attempt): AttemptCount => {
      const { attemptedId: _, budgetPoints, budgetExpire, ...challenge } = byId.get(attempt.id) ?? ({} as AttemptRow);
      if (budgetPoints !== null && budgetPoints !== undefined) return { kind: 'over_budget', points: budgetPoints, expiresAt: budgetExpire === null ? null : Number(budgetExpire) };
      return challenge.id ? { kind: 'counted', challenge } : { kind: 'not_pending' };
    });
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
