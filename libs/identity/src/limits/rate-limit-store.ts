import { Database } from '@honnin/persistence';
import Redis from 'ioredis';
import type { Pool } from 'pg';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Where the counters live: the system-of-record Postgres (`rate_limits`) unless REDIS_URL is set. Both
 * are shared by every replica. `keyPrefix` separates deployments (and test runs) sharing one Redis.
 */
export type RateLimitStore = { kind: 'postgres' } | { kind: 'redis'; url: string; keyPrefix?: string } | { kind: 'memory' };

export interface LimiterSpec {
  /** Names the counter: `sms_phone_hour`, `login_account`, … */
  name: string;
  points: number;
  durationSeconds: number;
}

/** Points to take from one counter: the limiter, the key (without the limiter's prefix) and how many (1 unless given). */
export interface CounterHit {
  spec: LimiterSpec;
  key: string;
  units?: number;
}

type ConsumeEach = (hits: readonly CounterHit[]) => Promise<RateLimiterRes[]>;

/** Limiters by (name, points, duration): points differ per tenant policy, so a tenant's change makes a new one. */
export class RateLimiters {
  private readonly cache = new Map<string, RateLimiterAbstract>();

  private constructor(
    private readonly create: (spec: LimiterSpec) => RateLimiterAbstract,
    private readonly release: () => Promise<void>,
    consumeEach?: ConsumeEach,
  ) {
    this.consumeEach = consumeEach ?? ((hits) => Promise.all(hits.map((hit) => consumed(this.get(hit.spec), hit.key, hit.units))));
  }

  /**
   * Each hit's units from its counter, all in one round trip (one statement on Postgres, one pipelined
   * write on Redis), whether or not a counter goes over its points; the counters after it, in order.
   */
  readonly consumeEach: ConsumeEach;

  static async open(db: Database, store: RateLimitStore): Promise<RateLimiters> {
    switch (store.kind) {
      case 'postgres': {
        const pool = db.pgPool();
        // One instance purges expired rows every 5 minutes; the others leave it to that one.
        new RateLimiterPostgres({ storeClient: pool, storeType: 'pool', tableName: 'rate_limits', tableCreated: true, keyPrefix: 'janitor', points: 1, duration: 1 });
        return new RateLimiters(
          (spec) => new RateLimiterPostgres({
            storeClient: pool, storeType: 'pool', tableName: 'rate_limits', tableCreated: true, clearExpiredByTimeout: false,
            keyPrefix: spec.name, points: spec.points, duration: spec.durationSeconds,
          }),
          async () => undefined,
          (hits) => consumeEachInPostgres(pool, hits),
        );
      }
      case 'redis': {
        // Commands issued in one tick go out in one write: a send's counters cost one round trip.
        const client = new Redis(store.url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000, enableAutoPipelining: true });
        // A wrong REDIS_URL stops the start instead of failing every limited request later.
        await client.connect();
        const prefix = store.keyPrefix ?? 'honnin:rl:';
        return new RateLimiters(
          (spec) => new RateLimiterRedis({ storeClient: client, keyPrefix: `${prefix}${spec.name}`, points: spec.points, duration: spec.durationSeconds }),
          async () => {
            await client.quit();
          },
        );
      }
      case 'memory':
        return RateLimiters.inMemory();
    }
  }

  /** One process only: for unit tests. */
  static inMemory(): RateLimiters {
    return new RateLimiters((spec) => new RateLimiterMemory({ keyPrefix: spec.name, points: spec.points, duration: spec.durationSeconds }), async () => undefined);
  }

  get(spec: LimiterSpec): RateLimiterAbstract {
    const id = `${spec.name}|${spec.points}|${spec.durationSeconds}`;
    let limiter = this.cache.get(id);
    if (!limiter) this.cache.set(id, (limiter = this.create(spec)));
    return limiter;
  }

  close(): Promise<void> {
    return this.release();
  }
}

/** The counter after consuming `units` points, whether or not that went over the limiter's points. */
export async function consumed(limiter: RateLimiterAbstract, key: string, units = 1): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key, units);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return rejection;
    throw rejection;
  }
}

/**
 * RateLimiterPostgres's upsert (same rows: `<name>:<key>`, points, expire in epoch ms) for several
 * counters in one statement. Rows are always listed in the caller's order, so two sends locking the
 * same tenant rows lock them in the same order.
 */
async function consumeEachInPostgres(pool: Pool, hits: readonly CounterHit[]): Promise<RateLimiterRes[]> {
  const now = Date.now();
  const keys = hits.map((hit) => `${hit.spec.name}:${hit.key}`);
  if (new Set(keys).size !== keys.length) throw new Error('each counter may be hit once per statement');
  const params: unknown[] = [now];
  const rows = hits.map((hit, i) => {
    params.push(keys[i], hit.units ?? 1, now + hit.spec.durationSeconds * 1000);
    return `($${params.length - 2}, $${params.length - 1}::int, $${params.length}::bigint)`;
  });
  const result = await pool.query<{ key: string; points: number; expire: string | null }>(
    `INSERT INTO rate_limits (key, points, expire) VALUES ${rows.join(', ')}
       ON CONFLICT (key) DO UPDATE SET
         points = CASE WHEN rate_limits.expire <= $1 THEN EXCLUDED.points ELSE rate_limits.points + EXCLUDED.points END,
         expire = CASE WHEN rate_limits.expire <= $1 THEN EXCLUDED.expire ELSE rate_limits.expire END
       RETURNING key, points, expire`,
    params,
  );
  const byKey = new Map(result.rows.map((row) => [row.key, row]));
  return hits.map((hit, i) => {
    const row = byKey.get(keys[i]);
    if (!row) throw new Error('a counter row was not returned');
    const expire = row.expire === null ? null : Number(row.expire);
    return new RateLimiterRes(Math.max(hit.spec.points - row.points, 0), expire === null ? -1 : Math.max(expire - Date.now(), 0), row.points, row.points === (hit.units ?? 1));
  });
}
