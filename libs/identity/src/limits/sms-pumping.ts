import { Database, SmsPrefixHoldEntity } from '@honnin/persistence';
import { LimitsPolicy } from '@honnin/policy';
import { recordAudit } from '../audit/audit-log';
import { Clock } from '../common/clock';
import { IdentityMetrics } from '../common/identity-metrics';
import { IdentityError } from '../errors/identity-error';
import type { AdminCaller } from '../tenants/tenant-admin';
import { BASELINE_WINDOW_SECONDS, baselineOf, bucketStartOf, callingCodeOf, PREFIX_BUCKET_SECONDS, prefixBurstThreshold, tripsPrefixHold } from './prefix-velocity';
import { LimitedCaller, RateLimitTrip } from './rate-limits';

/** A hold lasts until an administrator lifts it or this long. */
export const PREFIX_HOLD_SECONDS = 24 * 3600;
/** After a lift the prefix is not held again for this long, so the sends the administrator let through are not cut at once. */
export const PREFIX_LIFT_EXEMPTION_SECONDS = 3600;
/** What a refused client is told; the hold itself may last longer. */
const HELD_RETRY_AFTER_SECONDS = 3600;
const CALLING_CODE = /^\+[1-9][0-9]{0,3}$/;

/** A hold as the tenant's administrator sees it. */
export interface SmsPrefixHoldView {
  prefix: string;
  heldAt: Date;
  heldUntil: Date;
  /** The bucket's count that tripped the hold. */
  count: number;
  threshold: number;
  liftedAt: Date | null;
  exemptUntil: Date | null;
}

/**
 * SMS pumping defence (SECURITY 8): sends per tenant and country calling code in 10-minute buckets,
 * held when a bucket runs far above the prefix's usual rate. State is in Postgres, shared by replicas.
 * The checks use the pool: call them outside any transaction, like the rate limits.
 */
export class SmsPumpingDefence {
  /** Baselines of the current bucket: the buckets they average are closed, so they cannot change. */
  private baselines = new Map<string, number>();
  private baselineBucket = 0;

  constructor(
    private readonly db: Database,
    private readonly metrics: IdentityMetrics,
    private readonly clock: Clock,
    private readonly onTripped: (trip: RateLimitTrip) => void,
    /** False with RATE_LIMITS=off (never in production): nothing is counted or held. */
    private readonly enabled = true,
  ) {}

  /**
   * Counts one send to `e164`'s prefix. RATE_LIMITED (nothing sent) while the prefix is held, and for
   * the send that puts it on hold. One statement unless the bucket passed `prefixBurstMinimum`.
   */
  async checkSend(caller: LimitedCaller, e164: string, limits: LimitsPolicy): Promise<void> {
    if (!this.enabled) return;
    const now = this.clock.now();
    const prefix = callingCodeOf(e164);
    const bucketStart = bucketStartOf(now);
    await this.rollOver(bucketStart);
    const repo = this.db.store.prefixVelocity;
    const counted = await repo.countSend(caller.tenantId, prefix, bucketStart, now);
    if (counted.held || counted.sends === null) throw this.refuse(caller, prefix);
    if (counted.exempt || counted.sends <= limits.prefixBurstMinimum) return;
    const baseline = await this.baselineOf(caller.tenantId, prefix, bucketStart);
    const threshold = prefixBurstThreshold(baseline, limits);
    if (!tripsPrefixHold(counted.sends, threshold)) return;
    const hold = { tenantId: caller.tenantId, prefix, heldAt: now, heldUntil: new Date(now.getTime() + PREFIX_HOLD_SECONDS * 1000), sends: counted.sends, baseline, threshold };
    if (await repo.createHold(hold)) {
      await recordAudit(this.db.store, {
        tenantId: caller.tenantId, type: 'sms_pumping.hold', outcome: 'refused', at: now, userId: caller.userId, sessionId: caller.sessionId, context: caller.context,
        details: { prefix, count: counted.sends, baseline, threshold },
      });
      this.metrics.smsPrefixHold(caller.tenantId, prefix);
    } else if (!(await repo.isHeld(caller.tenantId, prefix, now))) {
      // A lift came in between: its exemption lets this send through.
      return;
    }
    throw this.refuse(caller, prefix);
  }

  /** The tenant's latest hold of each prefix, newest first. */
  async holds(tenantId: string): Promise<SmsPrefixHoldView[]> {
    return (await this.db.store.prefixVelocity.list(tenantId)).map(viewOf);
  }

  /** Ends the hold in force on `prefix` (`+44`); the prefix is then exempt for an hour. */
  async lift(caller: AdminCaller, prefix: string): Promise<SmsPrefixHoldView> {
    const trimmed = prefix.trim();
    if (!CALLING_CODE.test(trimmed)) throw IdentityError.badInput([{ field: 'prefix', message: 'must be a country calling code such as +44' }]);
    const now = this.clock.now();
    const exemptUntil = new Date(now.getTime() + PREFIX_LIFT_EXEMPTION_SECONDS * 1000);
    return this.db.transaction(async (store) => {
      const lifted = await store.prefixVelocity.lift(caller.tenant.id, trimmed, { apiKeyId: caller.apiKeyId, at: now, exemptUntil });
      if (!lifted) throw IdentityError.badInput([{ field: 'prefix', message: 'is not on hold' }]);
      await recordAudit(store, {
        tenantId: caller.tenant.id, type: 'sms_pumping.lifted', outcome: 'success', at: now, apiKeyId: caller.apiKeyId, context: caller.context,
        details: { prefix: trimmed, heldAt: lifted.heldAt.toISOString(), count: lifted.sends, threshold: lifted.threshold, exemptUntil: exemptUntil.toISOString() },
      });
      return viewOf(lifted);
    });
  }

  private async baselineOf(tenantId: string, prefix: string, bucketStart: Date): Promise<number> {
    const key = `${tenantId}|${prefix}`;
    const cached = this.baselines.get(key);
    if (cached !== undefined) return cached;
    const from = new Date(bucketStart.getTime() - BASELINE_WINDOW_SECONDS * 1000);
    const baseline = baselineOf(await this.db.store.prefixVelocity.sendsBetween(tenantId, prefix, from, bucketStart));
    this.baselines.set(key, baseline);
    return baseline;
  }

  /** On a new bucket: forget the last bucket's baselines and the buckets no baseline needs any more. */
  private async rollOver(bucketStart: Date): Promise<void> {
    if (bucketStart.getTime() === this.baselineBucket) return;
    this.baselineBucket = bucketStart.getTime();
    this.baselines = new Map();
    const cutoff = new Date(bucketStart.getTime() - (BASELINE_WINDOW_SECONDS + PREFIX_BUCKET_SECONDS) * 1000);
    await this.db.store.prefixVelocity.purgeBucketsBefore(cutoff);
  }

  private refuse(caller: LimitedCaller, prefix: string): IdentityError {
    this.onTripped({ ...caller, key: 'prefix', limit: 'prefixHold', prefix, retryAfterSeconds: HELD_RETRY_AFTER_SECONDS });
    return new IdentityError('RATE_LIMITED', 'Too many requests; try again later.', { retryAfterSeconds: HELD_RETRY_AFTER_SECONDS });
  }
}

function viewOf(row: SmsPrefixHoldEntity): SmsPrefixHoldView {
  return { prefix: row.prefix, heldAt: row.heldAt, heldUntil: row.heldUntil, count: row.sends, threshold: row.threshold, liftedAt: row.liftedAt, exemptUntil: row.exemptUntil };
}
