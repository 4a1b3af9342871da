import type { Pool } from 'pg';
import { DataSource, EntityManager, MigrationExecutor, QueryFailedError } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { ChangeFeed } from './change-feed';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { executeWrites, Store } from './store';
import { Notification, Write } from './writes';

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
      // The single embedded connection is kept open rather than closed when idle.
      extra: { connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000, idleTimeoutMillis: options.poolSize === 1 ? 0 : 10_000 },
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
   * BEGIN, statements and COMMIT. The notifications reach subscribers once it committed.
   */
  async write(writes: readonly Write[], notifications: readonly Notification[] = []): Promise<void> {
    for (const { channel, payload } of await executeWrites(this.dataSource.manager, writes, notifications, this.changes.inProcess)) {
      this.changes.emitLocally(channel, payload);
    }
  }

  /** Runs `work` in one transaction; notifications it raised reach subscribers once it commits. */
  async transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    let store: Store | null = null;
    const result = await this.dataSource.transaction((manager: EntityManager) => {
      store = new Store(manager, this.changes.inProcess);
      return work(store);
    });
    for (const { channel, payload } of (store as Store | null)?.takeLocalNotifications() ?? []) {
      this.changes.emitLocally(channel, payload);
    }
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
