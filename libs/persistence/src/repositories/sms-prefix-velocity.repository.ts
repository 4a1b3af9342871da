import { EntityManager } from 'typeorm';
import { SmsPrefixHoldEntity } from '../entities/sms-prefix-hold.entity';

const HOLD_COLUMNS = `tenant_id AS "tenantId", prefix, held_at AS "heldAt", held_until AS "heldUntil", sends, baseline, threshold,
  lifted_at AS "liftedAt", lifted_by_api_key_id AS "liftedByApiKeyId", exempt_until AS "exemptUntil"`;

/** What one send found: its bucket's count (null when the prefix is held, so nothing was counted). */
export interface PrefixSendCount {
  sends: number | null;
  held: boolean;
  /** A lift's exemption is running: no new hold may be made. */
  exempt: boolean;
}

export type NewSmsPrefixHold = Pick<SmsPrefixHoldEntity, 'tenantId' | 'prefix' | 'heldAt' | 'heldUntil' | 'sends' | 'baseline' | 'threshold'>;

/** Sends per (tenant, calling code, 10-minute bucket) and the holds they trip (SECURITY 8). */
export class SmsPrefixVelocityRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * The hot path, one statement: counts `units` sends in their bucket unless the prefix is held, and
   * answers the count with the hold and exemption state as of `at`.
   */
  async countSend(tenantId: string, prefix: string, bucketStart: Date, at: Date, units = 1): Promise<PrefixSendCount> {
    const rows: { sends: number | null; held: boolean; exempt: boolean }[] = await this.manager.query(
      `WITH hold AS (
         SELECT lifted_at IS NULL AND held_until > $4 AS held, coalesce(exempt_until > $4, false) AS exempt
           FROM sms_prefix_holds WHERE tenant_id = $1 AND prefix = $2
       ), counted AS (
         INSERT INTO sms_prefix_sends (tenant_id, prefix, bucket_start, sends)
         SELECT $1, $2, $3, $5::int WHERE NOT EXISTS (SELECT 1 FROM hold WHERE held)
         ON CONFLICT (tenant_id, prefix, bucket_start) DO UPDATE SET sends = sms_prefix_sends.sends + EXCLUDED.sends
         RETURNING sends
       )
       SELECT (SELECT sends FROM counted) AS sends,
              coalesce((SELECT held FROM hold), false) AS held,
              coalesce((SELECT exempt FROM hold), false) AS exempt`,
      [tenantId, prefix, bucketStart, at, units],
    );
    return rows[0];
  }

  /** Takes `units` sends counted ahead but never made off a bucket. */
  async uncountSends(tenantId: string, prefix: string, bucketStart: Date, units: number): Promise<void> {
    await this.manager.query(
      `UPDATE sms_prefix_sends SET sends = greatest(sends - $4, 0) WHERE tenant_id = $1 AND prefix = $2 AND bucket_start = $3`,
      [tenantId, prefix, bucketStart, units],
    );
  }

  /** Sends counted to the prefix in buckets starting from `from` up to (not including) `until`. */
  async sendsBetween(tenantId: string, prefix: string, from: Date, until: Date): Promise<number> {
    const rows: { sends: number }[] = await this.manager.query(
      `SELECT coalesce(sum(sends), 0)::int AS sends FROM sms_prefix_sends
        WHERE tenant_id = $1 AND prefix = $2 AND bucket_start >= $3 AND bucket_start < $4`,
      [tenantId, prefix, from, until],
    );
    return rows[0].sends;
  }

  /**
   * Holds the prefix unless a hold is already in force or a lift's exemption runs; true for exactly one
   * of several replicas racing (they meet on the primary key). A hold that ended is replaced.
   */
  async createHold(hold: NewSmsPrefixHold): Promise<boolean> {
    const rows: unknown[] = await this.manager.query(
      `INSERT INTO sms_prefix_holds AS h (tenant_id, prefix, held_at, held_until, sends, baseline, threshold)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, prefix) DO UPDATE SET
         held_at = EXCLUDED.held_at, held_until = EXCLUDED.held_until, sends = EXCLUDED.sends, baseline = EXCLUDED.baseline,
         threshold = EXCLUDED.threshold, lifted_at = NULL, lifted_by_api_key_id = NULL, exempt_until = NULL
       WHERE (h.lifted_at IS NOT NULL OR h.held_until <= EXCLUDED.held_at)
         AND (h.exempt_until IS NULL OR h.exempt_until <= EXCLUDED.held_at)
       RETURNING prefix`,
      [hold.tenantId, hold.prefix, hold.heldAt, hold.heldUntil, hold.sends, hold.baseline, hold.threshold],
    );
    return rows.length === 1;
  }

  async isHeld(tenantId: string, prefix: string, at: Date): Promise<boolean> {
    const rows: unknown[] = await this.manager.query(
      `SELECT 1 FROM sms_prefix_holds WHERE tenant_id = $1 AND prefix = $2 AND lifted_at IS NULL AND held_until > $3`,
      [tenantId, prefix, at],
    );
    return rows.length === 1;
  }

  /** The tenant's latest hold of each prefix, newest first (lifted and ended ones included). */
  list(tenantId: string): Promise<SmsPrefixHoldEntity[]> {
    return this.manager.query(`SELECT ${HOLD_COLUMNS} FROM sms_prefix_holds WHERE tenant_id = $1 ORDER BY held_at DESC, prefix`, [tenantId]);
  }

  /** Ends the hold in force, starting an exemption; null when the prefix is not held. */
  async lift(tenantId: string, prefix: string, by: { apiKeyId: string; at: Date; exemptUntil: Date }): Promise<SmsPrefixHoldEntity | null> {
    const [rows]: [SmsPrefixHoldEntity[], number] = await this.manager.query(
      `UPDATE sms_prefix_holds SET lifted_at = $3, lifted_by_api_key_id = $4, exempt_until = $5
        WHERE tenant_id = $1 AND prefix = $2 AND lifted_at IS NULL AND held_until > $3
        RETURNING ${HOLD_COLUMNS}`,
      [tenantId, prefix, by.at, by.apiKeyId, by.exemptUntil],
    );
    return rows[0] ?? null;
  }

  /** Forgets buckets older than any baseline still needs. */
  async purgeBucketsBefore(cutoff: Date): Promise<void> {
    await this.manager.query(`DELETE FROM sms_prefix_sends WHERE bucket_start < $1`, [cutoff]);
  }
}
