// `npm run bench`: load-tests the built gateway on a fresh Postgres database, scenario by scenario,
// beside a floor server (NestJS + Apollo + SELECT 1) that shows what the stack itself costs here;
// then counts the SQL statements each gateway operation executes.
// Options: --connections 32  --duration 10  --login-duration 5  --warmup 2  --users 8
//          --only floor,me  --sql-requests 100  --sql-detail  --no-build  --pg postgres://postgres@127.0.0.1:5432
// See tools/bench/README.md for how to read the tables.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startChildServer } from './lib/child-server.mjs';
import { buildFloor } from './lib/floor-build.mjs';
import { setUpTenant } from './lib/gateway-setup.mjs';
import { postGraphql } from './lib/graphql-client.mjs';
import { requestsFor, runLoad } from './lib/load.mjs';
import { cpuMillis, machineBusyMillis, machineDescription, peakRssMiB, resetPeakRss } from './lib/proc-stats.mjs';
import { formatTable, TABLE_LEGEND } from './lib/report.mjs';
import { clientAddresses, japaneseMobileNumbers } from './lib/sms-challenges.mjs';
import { startSmsReceiver } from './lib/sms-receiver.mjs';
import { startSqlCountingProxy } from './lib/sql-counting-proxy.mjs';
import { countStatements, formatStatementTable, STATEMENT_LEGEND } from './lib/statement-counts.mjs';
import { SCENARIOS } from './scenarios.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// Both servers start as `node <flags> <compiled entry>` with these flags.
const NODE_FLAGS = [];
const POOL_SIZE = 10;

const cleanups = [];
async function cleanUp() {
  while (cleanups.length > 0) {
    const step = cleanups.pop();
    await step().catch((error) => console.error(`cleanup: ${error instanceof Error ? error.message : error}`));
  }
}

function readOptions() {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '32' },
      duration: { type: 'string', default: '10' },
      'login-duration': { type: 'string', default: '5' },
      warmup: { type: 'string', default: '2' },
      users: { type: 'string', default: '8' },
      only: { type: 'string' },
      'sql-requests': { type: 'string', default: '100' },
      'sql-detail': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      pg: { type: 'string', default: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432' },
    },
  });
  const positive = (name) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${values[name]}`);
    return value;
  };
  const only = values.only?.split(',').map((name) => name.trim());
  const unknown = only?.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return {
    connections: positive('connections'),
    duration: positive('duration'),
    loginDuration: positive('login-duration'),
    warmup: Number(values.warmup) >= 0 ? Number(values.warmup) : 2,
    users: positive('users'),
    sqlRequests: values['sql-requests'] === '0' ? 0 : positive('sql-requests'),
    sqlDetail: values['sql-detail'],
    scenarios: only ? SCENARIOS.filter((scenario) => only.includes(scenario.name)) : SCENARIOS,
    build: !values['no-build'],
    pgUrl: values.pg.replace(/\/+$/, ''),
  };
}

function buildGateway() {
  console.log('building the gateway (nx run gateway:build)…');
  const build = spawnSync('npx', ['nx', 'run', 'gateway:build', '--output-style=static'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, NX_DAEMON: 'false', NX_USE_LOCAL: 'true' },
  });
  if (build.status !== 0) throw new Error(`gateway build failed (exit ${build.status ?? build.signal})`);
}

async function onAdminDatabase(pgUrl, sql) {
  const client = new pg.Client({ connectionString: `${pgUrl}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function createDatabase(pgUrl) {
  const name = `honnin_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await onAdminDatabase(pgUrl, `CREATE DATABASE ${name}`);
  cleanups.push(() => onAdminDatabase(pgUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  return `${pgUrl}/${name}`;
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

// TRUST_PROXY=1: SMS users send X-Forwarded-For, as clients behind a load balancer, so that each has
// an address of its own for the per-address send limit.
function gatewayEnv(databaseUrl, secrets) {
  return { ...serverEnv(databaseUrl), LOG_LEVEL: 'warn', TRUST_PROXY: '1', HONNIN_SECRET: secrets.honninSecret, OPERATOR_TOKEN: secrets.operatorToken };
}

async function startServers(databaseUrl, logDir, secrets) {
  const gateway = await startChildServer({
    name: 'gateway',
    args: [...NODE_FLAGS, join(ROOT, 'dist/apps/gateway/main.js')],
    env: gatewayEnv(databaseUrl, secrets),
    cwd: ROOT,
    logPath: join(logDir, 'gateway.log'),
  });
  cleanups.push(() => gateway.stop());
  const floor = await startChildServer({
    name: 'floor',
    args: [...NODE_FLAGS, buildFloor(join(ROOT, 'tools/bench/floor'), join(ROOT, 'dist/tools/bench/floor'))],
    env: serverEnv(databaseUrl),
    cwd: ROOT,
    logPath: join(logDir, 'floor.log'),
  });
  cleanups.push(() => floor.stop());
  return { gateway, floor };
}

/**
 * For counting statements: a gateway without its in-process dispatcher and the dispatcher as its
 * own process (dist/apps/gateway/dispatcher.js), each reaching Postgres through a counting proxy.
 */
async function startCountingServers(databaseUrl, logDir, secrets) {
  const database = new URL(databaseUrl);
  const upstream = { host: database.hostname, port: Number(database.port || 5432) };
  const viaProxy = (proxy) => Object.assign(new URL(databaseUrl), { hostname: '127.0.0.1', port: String(proxy.port) }).href;
  const gatewayProxy = await startSqlCountingProxy(upstream);
  cleanups.push(() => gatewayProxy.stop());
  const dispatcherProxy = await startSqlCountingProxy(upstream);
  cleanups.push(() => dispatcherProxy.stop());
  const gateway = await startChildServer({
    name: 'gateway (counting)',
    args: [...NODE_FLAGS, join(ROOT, 'dist/apps/gateway/main.js')],
    env: { ...gatewayEnv(viaProxy(gatewayProxy), secrets), SMS_DISPATCHER: 'off' },
    cwd: ROOT,
    logPath: join(logDir, 'gateway-counting.log'),
  });
  cleanups.push(() => gateway.stop());
  const dispatcher = await startChildServer({
    name: 'dispatcher',
    args: [...NODE_FLAGS, join(ROOT, 'dist/apps/gateway/dispatcher.js')],
    // info: the only way it says it is running.
    env: { ...gatewayEnv(viaProxy(dispatcherProxy), secrets), LOG_LEVEL: 'info' },
    cwd: ROOT,
    logPath: join(logDir, 'dispatcher.log'),
    readyLogLine: 'SMS dispatcher running',
  });
  cleanups.push(() => dispatcher.stop());
  return { gateway, gatewayProxy, dispatcherProxy };
}

/** Sends connection 0's first request once and checks its answer before any load is applied (requests built per send check themselves in prepare). */
async function probe(scenario, ctx, server) {
  const [first] = requestsFor(scenario, ctx, 0);
  if (typeof first.setupRequest === 'function') return;
  try {
    const data = await postGraphql(server.url, first.headers, first.body);
    const problem = scenario.check?.(data) ?? null;
    if (problem) throw new Error(problem);
  } catch (error) {
    throw new Error(`scenario ${scenario.name}: the probe request failed: ${error instanceof Error ? error.message : error}`);
  }
}

async function runScenario(scenario, ctx, server, options) {
  await scenario.prepare?.(ctx);
  await probe(scenario, ctx, server);
  const load = {
    url: server.url,
    requests: (i) => requestsFor(scenario, ctx, i),
    connections: options.connections,
  };
  const warmupCount = scenario.requestCount?.(ctx, 'warmup');
  const warmup = (warmupCount === undefined ? options.warmup > 0 : warmupCount > 0)
    ? await runLoad({ ...load, durationSeconds: options.warmup, requestCount: warmupCount })
    : null;

  await scenario.onMeasureStart?.(ctx, warmup);
  const peakIsLifetime = !resetPeakRss(server.pid);
  const cpuBefore = cpuMillis(server.pid);
  const generatorBefore = process.cpuUsage();
  const machineBefore = machineBusyMillis();
  const result = await runLoad({
    ...load,
    durationSeconds: scenario.duration?.(options) ?? options.duration,
    requestCount: scenario.requestCount?.(ctx, 'measure'),
  });
  const serverCpuMs = cpuMillis(server.pid) - cpuBefore;
  const generatorUsage = process.cpuUsage(generatorBefore);
  const machineMs = machineBusyMillis() - machineBefore;
  const peakRss = peakRssMiB(server.pid);
  const generatorMs = (generatorUsage.user + generatorUsage.system) / 1000;
  const wallMs = result.seconds * 1000;
  const reportLines = (await scenario.afterMeasure?.(ctx, result)) ?? [];
  return {
    name: scenario.name,
    target: scenario.target,
    seconds: result.seconds,
    requestsPerSecond: result.completed / result.seconds,
    p50: result.p50,
    p99: result.p99,
    errors: result.failed + result.socketErrors + result.timeouts,
    result,
    cpuMsPerRequest: result.completed > 0 ? serverCpuMs / result.completed : NaN,
    serverCpuPercent: (serverCpuMs / wallMs) * 100,
    generatorCpuPercent: (generatorMs / wallMs) * 100,
    restCpuPercent: (Math.max(0, machineMs - serverCpuMs - generatorMs) / wallMs) * 100,
    peakRssMiB: peakRss,
    peakIsLifetime,
    reportLines,
  };
}

function printHeader(options, busyPercentBefore) {
  const machine = machineDescription();
  console.log('');
  console.log('Honnin gateway benchmark');
  console.log('========================');
  console.log(`machine:  ${machine.cores} cores, ${machine.model}, ${machine.memoryGiB.toFixed(1)} GiB, ${machine.kernel}`);
  console.log(`node:     ${machine.node}${NODE_FLAGS.length ? ` ${NODE_FLAGS.join(' ')}` : ''}; NODE_ENV=production, LOG_LEVEL=warn, TRUST_PROXY=1, pool ${POOL_SIZE}`);
  console.log(
    `load:     autocannon, ${options.connections} connections, ${options.duration} s per scenario ` +
      `(login ${options.loginDuration} s) after a ${options.warmup} s warm-up, one scenario at a time, ${options.users} users/sessions ` +
      '(the SMS scenarios sign up their own)',
  );
  const busy = `${busyPercentBefore.toFixed(0)}% of one core busy in the second before the servers started`;
  console.log(`before:   ${busy}${busyPercentBefore > 20 ? ' — other work is running; expect noisy numbers' : ''}`);
  console.log('note:     the load generator shares the cores with the server, so absolute numbers are a lower bound;');
  console.log('          compare scenarios with each other and with the floor, on the same machine.');
  console.log('');
}

async function main() {
  const options = readOptions();
  if (options.build) buildGateway();
  const busyBefore = machineBusyMillis();
  await new Promise((resolveSleep) => setTimeout(resolveSleep, 1000));
  printHeader(options, (machineBusyMillis() - busyBefore) / 10);

  const logDir = mkdtempSync(join(tmpdir(), 'honnin-bench-'));
  const receiver = await startSmsReceiver();
  cleanups.push(() => receiver.stop());
  const databaseUrl = await createDatabase(options.pgUrl);
  const secrets = { honninSecret: randomBytes(32).toString('hex'), operatorToken: `bench-operator-${randomBytes(16).toString('hex')}` };
  const { gateway, floor } = await startServers(databaseUrl, logDir, secrets);
  const servers = { gateway, floor };
  const { tenant, users } = await setUpTenant(gateway.url, secrets.operatorToken, options.users, receiver.url);
  const ctx = {
    gatewayUrl: gateway.url,
    floorUrl: floor.url,
    tenant,
    users,
    options: { connections: options.connections, duration: options.duration, warmup: options.warmup },
    receiver,
    nextPhoneNumber: japaneseMobileNumbers(),
    nextClientAddress: clientAddresses(),
    state: {},
  };

  const rows = [];
  for (const scenario of options.scenarios) {
    process.stdout.write(`running ${scenario.name} against the ${scenario.target}… `);
    const row = await runScenario(scenario, ctx, servers[scenario.target], options);
    console.log(`${row.requestsPerSecond.toFixed(0)} req/s`);
    rows.push(row);
  }
  const floorRow = rows.find((row) => row.target === 'floor');
  for (const row of rows) row.ratioToFloor = floorRow ? row.requestsPerSecond / floorRow.requestsPerSecond : null;

  console.log('');
  console.log(formatTable(rows));
  console.log('');
  for (const line of TABLE_LEGEND) console.log(line);
  for (const scenario of options.scenarios) if (scenario.note) console.log(scenario.note);
  for (const row of rows) for (const line of row.reportLines) console.log(line);

  // A server that answers nothing has no errors to count: a run without one response fails too.
  const failing = rows.filter((row) => row.errors > 0 || row.result.completed === 0);
  for (const row of failing) {
    const { sent, completed, failed, non2xx, socketErrors, timeouts, errorSamples } = row.result;
    console.log('');
    console.log(`${row.name}: ${failed} failed responses (${non2xx} non-2xx), ${socketErrors} socket errors, ${timeouts} timeouts`);
    if (completed === 0) console.log(`  no response in ${row.seconds} s: the ${sent} requests sent were still waiting when the run ended`);
    for (const sample of errorSamples) console.log(`  ${sample}`);
  }

  if (options.sqlRequests > 0 && options.scenarios.some((scenario) => scenario.target === 'gateway')) {
    // The load gateway's dispatcher would race the counting one for the outbox: both servers stop first.
    await gateway.stop();
    await floor.stop();
    console.log('');
    process.stdout.write(`counting SQL statements per request… `);
    const counting = await startCountingServers(databaseUrl, logDir, secrets);
    const { rows: statementRows, notes } = await countStatements({
      ctx,
      scenarios: options.scenarios,
      requestsPerOperation: options.sqlRequests,
      detail: options.sqlDetail,
      gatewayUrl: counting.gateway.url,
      gatewayProxy: counting.gatewayProxy,
      dispatcherProxy: counting.dispatcherProxy,
    });
    console.log('done');
    console.log('');
    console.log(formatStatementTable(statementRows));
    console.log('');
    for (const line of STATEMENT_LEGEND) console.log(line);
    for (const note of notes) console.log(note);
  }

  if (failing.length > 0) {
    console.log(`\nserver logs kept in ${logDir}`);
    return 1;
  }
  rmSync(logDir, { recursive: true, force: true });
  return 0;
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers and dropping the database`);
    void cleanUp().finally(() => process.exit(code));
  });
}

main()
  .then(async (code) => {
    await cleanUp();
    process.exit(code);
  })
  .catch(async (error) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : error}`);
    await cleanUp();
    process.exit(1);
  });
