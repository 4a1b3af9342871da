import { Batcher, Database, rateLimitUpsert } from '@honnin/persistence';
import Redis from 'ioredis';
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
    /** The counters are rows of this database's `rate_limits` table. */
    readonly inDatabase = false,
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
          postgresCounters(db),
          true,
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

  /**
   * The key of the counter's `rate_limits` row, for a statement of this database to read it in passing
   * (`SmsChallengeRepository.countAttempt`); null when the counters are kept elsewhere.
   */
  rowKey(spec: LimiterSpec, key: string): string | null {
    return this.inDatabase ? counterKey({ spec, key }) : null;
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

const UPSERT_COUNTERS = rateLimitUpsert('SELECT * FROM unnest($2::text[], $3::int[], $4::bigint[])', '$1');

/**
 * RateLimiterPostgres's upsert (same rows: `<name>:<key>`, points, expire in epoch ms) for the counters
 * of every send that counts at about the same time, in one statement. A counter hit by several sends
 * is updated once by their sum, and each send learns the count it brought the counter to, in the order
 * the sends came, as if they had been counted one by one. Rows are locked in key order, so two
 * statements (two replicas) hitting the same counters never wait on each other in a cycle.
 */
function postgresCounters(db: Database): ConsumeEach {
  const batches = new Batcher<readonly CounterHit[], RateLimiterRes[]>(async (sends) => {
    const now = Date.now();
    const totals = new Map<string, { units: number; expire: number }>();
    for (const hits of sends) {
      const keys = hits.map(counterKey);
      if (new Set(keys).size !== keys.length) throw new Error('each counter may be hit once per send');
      hits.forEach((hit, i) => {
        const total = totals.get(keys[i]);
        if (total) total.units += hit.units ?? 1;
        else totals.set(keys[i], { units: hit.units ?? 1, expire: now + hit.spec.durationSeconds * 1000 });
      });
    }
    const keys = [...totals.keys()].sort();
    const rows = await db.store.run<{ key: string; points: number; expire: string | null }>(UPSERT_COUNTERS, [
      now, keys, keys.map((key) => totals.get(key)?.units), keys.map((key) => totals.get(key)?.expire),
    ]);
    // What is left of each counter for the sends after this one, counted backwards from the total.
    const remaining = new Map(rows.map((row) => [row.key, { points: row.points, expire: row.expire === null ? null : Number(row.expire) }]));
    const answers = [...sends].reverse().map((hits) =>
      hits.map((hit) => {
        const row = remaining.get(counterKey(hit));
        if (!row) throw new Error('a counter row was not returned');
        const units = hit.units ?? 1;
        const points = row.points;
        row.points -= units;
        return new RateLimiterRes(Math.max(hit.spec.points - points, 0), row.expire === null ? -1 : Math.max(row.expire - Date.now(), 0), points, points === units);
      }),
    );
    return answers.reverse();
  });
  return (hits) => batches.add(hits);
}

function counterKey(hit: CounterHit): string {
  return `${hit.spec.name}:${hit.key}`;
}
