// The servers the bench loads, each a child process on a database of its own on the same Postgres
// server: the gateway (production, and two development ones differing only in RATE_LIMITS), the floor
// and Better Auth; and for counting statements, the same behind a counting proxy.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { startChildServer } from './child-server.mjs';
import { buildFloor } from './floor-build.mjs';
import { startSqlCountingProxy } from './sql-counting-proxy.mjs';

/** The pool size of every server: the gateway's default DATABASE_POOL_SIZE. */
export const POOL_SIZE = 10;
// Every server starts as `node <flags> <entry>` with these flags: none, unless BENCH_NODE_FLAGS gives some
// (`--cpu-prof --cpu-prof-dir=/tmp/prof` profiles every server of the run).
export const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

/** How each gateway target runs: the production one everything but the limits pair runs on, and that pair. */
export const GATEWAY_TARGETS = {
  gateway: { NODE_ENV: 'production' },
  'gateway-limits-on': { NODE_ENV: 'development' },
  'gateway-limits-off': { NODE_ENV: 'development', RATE_LIMITS: 'off' },
};

async function onAdminDatabase(pgUrl, sql) {
  const client = new pg.Client({ connectionString: `${pgUrl}/postgres` });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The server's version (SHOW server_version). */
export async function postgresVersion(pgUrl) {
  return (await onAdminDatabase(pgUrl, 'SHOW server_version')).rows[0].server_version;
}

/** Creates a fresh database named after `purpose` and registers its DROP with `defer`: { name, url }. */
export async function createDatabase(pgUrl, purpose, defer) {
  const name = `honnin_bench_${purpose.replace(/\W/g, '_')}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await onAdminDatabase(pgUrl, `CREATE DATABASE ${name}`);
  defer(() => onAdminDatabase(pgUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  return { name, url: `${pgUrl}/${name}` };
}

/** `databaseUrl` with its host and port replaced by a counting proxy's. */
export function viaProxy(databaseUrl, proxy) {
  return Object.assign(new URL(databaseUrl), { hostname: '127.0.0.1', port: String(proxy.port) }).href;
}

/** A counting proxy (lib/sql-counting-proxy.mjs) in front of the server of `databaseUrl`, named `label` in notes. */
export async function startCountingProxy(databaseUrl, label, defer) {
  const database = new URL(databaseUrl);
  const proxy = await startSqlCountingProxy({ host: database.hostname, port: Number(database.port || 5432) });
  defer(() => proxy.stop());
  return { ...proxy, label };
}

function serverEnv(databaseUrl) {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: String(POOL_SIZE),
  };
}

/**
 * The gateway's environment. TRUST_PROXY=1: SMS users send X-Forwarded-For, as clients behind a load
 * balancer, so that each has an address of its own for the per-address send limit.
 * @param {keyof typeof GATEWAY_TARGETS} target
 */
export function gatewayEnv(target, databaseUrl, secrets) {
  return {
    ...serverEnv(databaseUrl),
    ...GATEWAY_TARGETS[target],
    LOG_LEVEL: 'warn',
    TRUST_PROXY: '1',
    HONNIN_SECRET: secrets.honninSecret,
    OPERATOR_TOKEN: secrets.operatorToken,
  };
}

/**
 * @param {{ root: string, logDir: string, defer: (step: () => Promise<void>) => void }} where
 * @param {{ name: string, entry: string, env: Record<string, string>, readyLogLine?: string }} server
 */
async function startServer({ root, logDir, defer }, { name, entry, env, readyLogLine }) {
  const server = await startChildServer({
    name,
    args: [...NODE_FLAGS, entry],
    env,
    cwd: root,
    logPath: join(logDir, `${name.replace(/[^\w-]+/g, '-')}.log`),
    readyLogLine,
  });
  defer(() => server.stop());
  return server;
}

export function startGateway(where, { name, target, databaseUrl, secrets, extraEnv = {} }) {
  return startServer(where, { name, entry: join(where.root, 'dist/apps/gateway/main.js'), env: { ...gatewayEnv(target, databaseUrl, secrets), ...extraEnv } });
}

/** The SMS dispatcher as its own process (dist/apps/gateway/dispatcher.js), for a gateway started with SMS_DISPATCHER=off. */
export function startDispatcher(where, { databaseUrl, secrets }) {
  return startServer(where, {
    name: 'dispatcher',
    entry: join(where.root, 'dist/apps/gateway/dispatcher.js'),
    // info: the only way it says it is running.
    env: { ...gatewayEnv('gateway', databaseUrl, secrets), LOG_LEVEL: 'info' },
    readyLogLine: 'SMS dispatcher running',
  });
}

/** The floor, compiled to dist/tools/bench/floor/ first (a fraction of a second). */
export function startFloor(where, { name, databaseUrl }) {
  const entry = buildFloor(join(where.root, 'tools/bench/floor'), join(where.root, 'dist/tools/bench/floor'));
  return startServer(where, { name, entry, env: serverEnv(databaseUrl) });
}

/** Better Auth (tools/bench/better-auth/server.mjs), its sendOTP posting to `smsUrl`. */
export function startBetterAuth(where, { name, databaseUrl, secrets, smsUrl }) {
  return startServer(where, {
    name,
    entry: join(where.root, 'tools/bench/better-auth/server.mjs'),
    env: { ...serverEnv(databaseUrl), BETTER_AUTH_SECRET: secrets.betterAuthSecret, SMS_WEBHOOK_URL: smsUrl },
  });
}
