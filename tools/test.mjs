// `npm test`: says on its first line which Postgres the database tests use, then runs lint, type
// checks, unit, integration and e2e tests of every project.
import { spawnSync } from 'node:child_process';
import pg from 'pg';

const url = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
async function answers() {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
const mode = (await answers()) ? 'postgres' : 'embedded';
console.log(mode === 'postgres'
  ? `Database tests: PostgreSQL at ${url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')} (a fresh database per test file)`
  : `Database tests: embedded Postgres (PGlite) — no server answered at ${url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}`);
const args = ['nx', 'run-many', '-t', 'lint', 'typecheck', 'test', '--output-style=static', ...process.argv.slice(2)];
const run = spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, HONNIN_TEST_DB: mode, NX_DAEMON: 'false', NX_USE_LOCAL: 'true' } });
process.exit(run.status ?? 1);
