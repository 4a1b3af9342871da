import type { Pool } from 'pg';
import { DataSource, EntityManager, MigrationExecutor, QueryFailedError } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { Batcher } from './batcher';
import { ChangeFeed } from './change-feed';
import { CountedInserts, CountedLimit, CountedWrite, countedWrites, countedWriteStatement } from './counted-writes';
import { ChallengeCompletion, CompletionOutcome } from './repositories/challenge-completion';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { executeWrites, Store } from './store';
import { mergeInserts, Notification, Write } from './writes';

interface WriteRequest {
  writes: readonly Write[];
  notifications: readonly Notification[];
}

export interface DatabaseOptions {
  url: string;
  /** 1 for the embedded database (one shared session), more for a real server. */
  poolSize: number;
  /** A query waiting longer than this for a pooled connection fails instead of hanging. */
  connectionTimeoutMs?: number;
  onListenError?: (error: Error) => void;
}

// An arbitrary constant: every replica takes this lock before migrating, so two never race.
const MIGRATION_LOCK_KEY = 0x686f6e6e;

export class Database {
  /** LISTEN/NOTIFY between replicas (in-process on the embedded database). */
  readonly changes: ChangeFeed;
  private pooled: Store | null = null;
  /** Inserts of callers that write at about the same time, as one statement and one commit. */
  private readonly inserts = new Batcher<WriteRequest, void>((requests) => this.insertTogether(requests), { isolateFailures: true });
  /** Counted inserts (`writeCounted`) of callers that write at about the same time, as one statement. */
  private readonly countedInserts = new Batcher<CountedInserts, CountedWrite>(async (requests) => {
    const statement = countedWriteStatement(requests, !this.changes.inProcess, Date.now());
    return countedWrites(requests, await this.store.run(statement.sql, statement.params));
  }, { isolateFailures: true });

  private constructor(
    readonly dataSource: DataSource,
    options: DatabaseOptions,
  ) {
    this.changes = new ChangeFeed(options.url, options.poolSize === 1, options.onListenError);
  }

  static async open(options: DatabaseOptions): Promise<Database> {
    const dataSource = new DataSource({
      type: 'postgres',
      url: options.url,
      entities: ENTITIES,
      migrations: MIGRATIONS,
      synchronize: false,
      migrationsRun: false,
      uuidExtension: 'pgcrypto',
      installExtensions: false,
      poolSize: options.poolSize,
      extra: {
        connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
        // The single embedded connection is kept open rather than closed when idle.
        idleTimeoutMillis: options.poolSize === 1 ? 0 : 10_000,
        // The named statements of the hot paths (`preparedOn`) run on a plan the connection keeps, not
        // one made for each call: Postgres would otherwise plan those with array parameters every time
        // (a custom plan looks cheaper for a known array), which costs more than running them.
        // Statements without a name are planned for their values whatever this says.
        ...(options.poolSize === 1 ? {} : { options: '-c plan_cache_mode=force_generic_plan' }),
      },
      logging: false,
    });
    await dataSource.initialize();
    return new Database(dataSource, options);
  }

  /** Runs pending migrations under a Postgres advisory lock; returns the names it ran. */
  async migrate(): Promise<string[]> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        const executor = new MigrationExecutor(this.dataSource, runner);
        executor.transaction = 'each';
        const ran = await executor.executePendingMigrations();
        return ran.map((m) => m.name);
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    } finally {
      await runner.release();
    }
  }

  /** True when the database answers and every migration this build knows has run. */
  async isReady(): Promise<boolean> {
    try {
      const rows: { name: string }[] = await this.dataSource.query('SELECT name FROM migrations');
      const done = new Set(rows.map((r) => r.name));
      return MIGRATIONS.every((m) => done.has(m.name));
    } catch {
      return false;
    }
  }

  /**
   * The pg pool TypeORM holds, for libraries that speak pg themselves (the rate-limit counters). Each
   * query takes a connection of its own: never call it inside `transaction` on the embedded database,
   * whose single connection the transaction holds.
   */
  pgPool(): Pool {
    return (this.dataSource.driver as PostgresDriver).master as Pool;
  }

  /**
   * Repositories outside a transaction: each statement commits on its own. Built once, as every
   * signed-in request reads through it; `notify` belongs inside `transaction()`, never here.
   */
  get store(): Store {
    this.pooled ??= new Store(this.dataSource.manager, this.changes.inProcess, this.pgPool());
    return this.pooled;
  }

  /**
   * The writes as one autocommitted statement: all or nothing, one round trip instead of a transaction's
   * BEGIN, statements and COMMIT. The notifications reach subscribers once it committed. Inserts of new
   * rows share their statement with those of other callers writing at the same time (one commit for
   * all under load); if that statement fails, each caller's writes run alone, so only its own fail.
   */
  async write(writes: readonly Write[], notifications: readonly Notification[] = []): Promise<void> {
    if (writes.every((write) => write.inserted)) await this.inserts.add({ writes, notifications });
    else await executeWrites(this.store.run, writes, notifications, this.changes.inProcess);
    this.deliverInProcess(notifications);
  }

  /**
   * Inserts made only if none of the `limits` counters (`rate_limits` rows) goes over: the counters are
   * counted and the rows inserted in one statement, shared with the callers writing at the same time.
   * Every counter is counted whether or not the inserts are made. The notifications reach subscribers
   * once the inserts are committed.
   */
  async writeCounted(inserts: readonly Write[], notifications: readonly Notification[], limits: readonly CountedLimit[]): Promise<CountedWrite> {
    const result = await this.countedInserts.add({ inserts, notifications, limits });
    if (result.written) this.deliverInProcess(notifications);
    return result;
  }

  /**
   * Spends a challenge and stores what it grants (`SmsChallengeRepository.complete`); on the embedded
   * database the notifications of a completed one are delivered in-process once it is stored.
   */
  async completeChallenge(completion: ChallengeCompletion): Promise<CompletionOutcome> {
    const outcome = await this.store.challenges.complete(completion);
    if (outcome === 'completed') this.deliverInProcess(completion.notifications);
    return outcome;
  }

  /**
   * On the embedded database, where no NOTIFY carries them, hands the notifications of what was just
   * stored to this process's subscribers; elsewhere the statement itself sent them.
   */
  private deliverInProcess(notifications: readonly Notification[]): void {
    if (!this.changes.inProcess) return;
    for (const { channel, payload } of notifications) this.changes.emitLocally(channel, payload);
  }

  private async insertTogether(requests: WriteRequest[]): Promise<void[]> {
    const writes = requests.length === 1 ? requests[0].writes : mergeInserts(requests.flatMap((request) => request.writes));
    // One NOTIFY of each kind is enough to wake a listener for all of them.
    const notifications = [...new Map(requests.flatMap((r) => r.notifications).map((n) => [`${n.channel}\n${n.payload}`, n])).values()];
    await executeWrites(this.store.run, writes, notifications, this.changes.inProcess);
    return requests.map(() => undefined);
  }

  /** Runs `work` in one transaction; notifications it raised reach subscribers once it commits. */
  async transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    let store: Store | null = null;
    const result = await this.dataSource.transaction((manager: EntityManager) => {
      store = new Store(manager, this.changes.inProcess);
      return work(store);
    });
    this.deliverInProcess((store as Store | null)?.takeLocalNotifications() ?? []);
    return result;
  }

  async close(): Promise<void> {
    await this.changes.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** True for a unique-constraint violation, optionally of the named constraint or index. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === '23505' && (constraint === undefined || driverError.constraint === constraint);
}
