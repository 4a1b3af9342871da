import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { withDatabase } from './database-inspection';

export type TestDatabaseMode = 'postgres' | 'embedded';

export interface TestDatabase {
  mode: TestDatabaseMode;
  /** Connection URL of a database nobody else uses. */
  url: string;
  /** Pool size the code under test must use: 1 on the embedded database. */
  poolSize: number;
  drop(): Promise<void>;
}

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export function testDatabaseAdminUrl(): string {
  return process.env['TEST_DATABASE_URL'] || DEFAULT_TEST_DATABASE_URL;
}

/** True when the Postgres server at `url` answers within a second. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `HONNIN_TEST_DB` (set once by `npm test`) decides; otherwise probe the server. */
export async function testDatabaseMode(): Promise<TestDatabaseMode> {
  const forced = process.env['HONNIN_TEST_DB'];
  if (forced === 'postgres' || forced === 'embedded') return forced;
  return (await postgresAnswers(testDatabaseAdminUrl())) ? 'postgres' : 'embedded';
}

/** A fresh, empty database for one test file: a new database on the server, or an in-memory PGlite. */
export async function createTestDatabase(): Promise<TestDatabase> {
  return (await testDatabaseMode()) === 'postgres' ? createServerDatabase() : createInMemoryDatabase();
}

async function createServerDatabase(): Promise<TestDatabase> {
  const adminUrl = testDatabaseAdminUrl();
  const name = `honnin_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withDatabase(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    mode: 'postgres',
    url: url.toString(),
    poolSize: 5,
    drop: () => withDatabase(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function createInMemoryDatabase(): Promise<TestDatabase> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
  await server.start();
  return {
    mode: 'embedded',
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    poolSize: 1,
    drop: async () => {
      await server.stop();
      await db.close();
    },
  };
}
