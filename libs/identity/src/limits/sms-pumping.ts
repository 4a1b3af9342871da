import { Database, PrefixSendCount, SmsPrefixHoldEntity } from '@honnin/persistence';
import { LimitsPolicy } from '@honnin/policy';
import { recordAudit } from '../audit/audit-log';
import { Clock } from '../common/clock';
import { IdentityMetrics } from '../common/identity-metrics';
import { IdentityError } from '../errors/identity-error';
import { CounterLeases } from './counter-leases';
import type { AdminCaller } from '../tenants/tenant-admin';
import { BASELINE_WINDOW_SECONDS, baselineOf, bucketStartOf, PREFIX_BUCKET_SECONDS, prefixBurstThreshold, prefixOf, tripsPrefixHold } from './prefix-velocity';
import { LimitedCaller, RateLimitTrip } from './rate-limits';

/** A hold lasts until an administrator lifts it or this long. */
export const PREFIX_HOLD_SECONDS = 24 * 3600;
/** After a lift the prefix is not held again for this long, so the sends the administrator let through are not cut at once. */
export const PREFIX_LIFT_EXEMPTION_SECONDS = 3600;
/** What a refused client is told; the hold itself may last longer. */
const HELD_RETRY_AFTER_SECONDS = 3600;
const CALLING_CODE = /^\+[1-9][0-9]{0,3}$/;
/** NOTIFY channel of new holds, payload `<tenant id>|<prefix>`. */
const HOLDS_CHANNEL = 'sms_prefix_holds';

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
  private readonly leases = new CounterLeases(() => this.clock.now().getTime());

  constructor(
    private readonly db: Database,
    private readonly metrics: IdentityMetrics,
    private readonly clock: Clock,
    private readonly onTripped: (trip: RateLimitTrip) => void,
    /** False with RATE_LIMITS=off (never in production): nothing is counted or held. */
    private readonly enabled = true,
  ) {}

  /** Forgets this replica's leases on a prefix as soon as any replica holds it. */
  async start(): Promise<void> {
    await this.db.changes.subscribe(HOLDS_CHANNEL, (tenantAndPrefix) => this.leases.forget(`${tenantAndPrefix}|`));
  }

  /**
   * Counts one send to `e164`'s prefix. RATE_LIMITED (nothing sent) while the prefix is held, and for
   * the send that puts it on hold. Sends are counted in the bucket ahead, in leases (CounterLeases) sized
   * by what is left under the threshold, so most sends cost no statement; a take is one statement
   * unless the bucket passed `prefixBurstMinimum`. Resolves to what gives the send's count back, for
   * a send another limit refuses after this check.
   */
  async checkSend(caller: LimitedCaller, e164: string, limits: LimitsPolicy): Promise<() => void> {
    if (!this.enabled) return () => undefined;
    const now = this.clock.now();
    const prefix = prefixOf(e164);
    const bucketStart = bucketStartOf(now);
    await this.rollOver(bucketStart);
    const leaseId = `${caller.tenantId}|${prefix}|${bucketStart.getTime()}`;
    const giveBack = () => this.leases.giveBack(leaseId);
    // While a take of many sends is on its way, wait for it rather than count this one alone on the hot row.
    for (;;) {
      if (this.leases.spend(leaseId)) return giveBack;
      const landing = this.leases.landing(leaseId);
      if (!landing) break;
      await landing;
    }
    const knownBaseline = this.baselines.get(`${caller.tenantId}|${prefix}`);
    const take = this.leases.take(leaseId, knownBaseline === undefined ? limits.prefixBurstMinimum : prefixBurstThreshold(knownBaseline, limits));
    const repo = this.db.store.prefixVelocity;
    let counted: PrefixSendCount;
    try {
      counted = await repo.countSend(caller.tenantId, prefix, bucketStart, now, take.units);
    } catch (error) {
      this.leases.abandon(take);
      throw error;
    }
    if (counted.held || counted.sends === null) {
      this.leases.forget(leaseId);
      throw this.refuse(caller, prefix);
    }
    const sends = counted.sends;
    let baseline: number | null;
    try {
      baseline = counted.exempt || sends <= limits.prefixBurstMinimum ? null : await this.baselineOf(caller.tenantId, prefix, bucketStart);
    } catch (error) {
      this.leases.abandon(take);
      throw error;
    }
    const threshold = baseline === null ? Number.POSITIVE_INFINITY : prefixBurstThreshold(baseline, limits);
    if (baseline === null || !tripsPrefixHold(sends, threshold)) {
      this.leases.settle(take, sends, Number.POSITIVE_INFINITY, bucketStart.getTime() + PREFIX_BUCKET_SECONDS * 1000, true);
      return giveBack;
    }
    this.leases.forget(leaseId);
    const hold = { tenantId: caller.tenantId, prefix, heldAt: now, heldUntil: new Date(now.getTime() + PREFIX_HOLD_SECONDS * 1000), sends, baseline, threshold };
    if (await repo.createHold(hold)) {
      await recordAudit(this.db.store, {
        tenantId: caller.tenantId, type: 'sms_pumping.hold', outcome: 'refused', at: now, userId: caller.userId, sessionId: caller.sessionId, context: caller.context,
        details: { prefix, count: sends, baseline, threshold },
      });
      await this.db.write([], [{ channel: HOLDS_CHANNEL, payload: `${caller.tenantId}|${prefix}` }]);
      this.metrics.smsPrefixHold(caller.tenantId, prefix);
    } else if (!(await repo.isHeld(caller.tenantId, prefix, now))) {
      // A lift came in between: its exemption lets this send through.
      return giveBack;
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

  /**
   * On a new bucket: forget the last bucket's baselines and the buckets no baseline needs any more, and
   * take the sends leased but not made off the closed buckets, so the baselines to come see only real sends.
   */
  private async rollOver(bucketStart: Date): Promise<void> {
    if (bucketStart.getTime() === this.baselineBucket) return;
    this.baselineBucket = bucketStart.getTime();
    this.baselines = new Map();
    const repo = this.db.store.prefixVelocity;
    await Promise.all(
      [...this.leases.drain()].map(([leaseId, units]) => {
        const [tenantId, prefix, bucket] = leaseId.split('|');
        return repo.uncountSends(tenantId, prefix, new Date(Number(bucket)), units);
      }),
    );
    const cutoff = new Date(bucketStart.getTime() - (BASELINE_WINDOW_SECONDS + PREFIX_BUCKET_SECONDS) * 1000);
    await repo.purgeBucketsBefore(cutoff);
  }

  private refuse(caller: LimitedCaller, prefix: string): IdentityError {
    this.onTripped({ ...caller, key: 'prefix', limit: 'prefixHold', prefix, retryAfterSeconds: HELD_RETRY_AFTER_SECONDS });
    return new IdentityError('RATE_LIMITED', 'Too many requests; try again later.', { retryAfterSeconds: HELD_RETRY_AFTER_SECONDS });
  }
}

function viewOf(row: SmsPrefixHoldEntity): SmsPrefixHoldView {
  return { prefix: row.prefix, heldAt: row.heldAt, heldUntil: row.heldUntil, count: row.sends, threshold: row.threshold, liftedAt: row.liftedAt, exemptUntil: row.exemptUntil };
}
