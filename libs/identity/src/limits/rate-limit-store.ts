import { Database } from '@honnin/persistence';
import Redis from 'ioredis';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis } from 'rate-limiter-flexible';

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

/** Limiters by (name, points, duration): points differ per tenant policy, so a tenant's change makes a new one. */
export class RateLimiters {
  private readonly cache = new Map<string, RateLimiterAbstract>();

  private constructor(
    private readonly create: (spec: LimiterSpec) => RateLimiterAbstract,
    private readonly release: () => Promise<void>,
  ) {}

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
        );
      }
      case 'redis': {
        const client = new Redis(store.url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000 });
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
