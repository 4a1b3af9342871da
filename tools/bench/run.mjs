// `npm run bench`: load-tests the built gateway scenario by scenario, interleaved with a floor server
// (NestJS + Apollo + one INSERT) that shows what the stack itself costs here and with Better Auth's
// phoneNumber plugin, each server on a fresh database of the same Postgres; then counts the SQL
// statements each operation executes, checks the targets, and with --write-docs writes
// docs/benchmarks.md and docs/benchmarks.svg.
// Options: --connections 32  --duration 5  --login-duration 3  --warmup 2  --users 8  --only floor,me
//          --sql-requests 40  --sql-detail  --no-build  --write-docs  --pg postgres://postgres@127.0.0.1:5432
// See tools/bench/README.md for how to read the tables.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { packageVersions, writeBenchmarkDocs } from './lib/docs.mjs';
import { setUpTenant } from './lib/gateway-setup.mjs';
import { postGraphql } from './lib/graphql-client.mjs';
import { requestsFor, runLoad } from './lib/load.mjs';
import { cpuMillis, cpuMillisSince, machineBusyMillis, machineDescription, peakRssMiB, postgresCpuMillis, resetPeakRss } from './lib/proc-stats.mjs';
import { floorSummary, formatFloorSummary, formatTable, TABLE_LEGEND } from './lib/report.mjs';
import {
  createDatabase, NODE_FLAGS, POOL_SIZE, postgresVersion, startBetterAuth, startCountingProxy, startDispatcher, startFloor, startGateway, viaProxy,
} from './lib/servers.mjs';
import { clientAddresses, japaneseMobileNumbers } from './lib/sms-challenges.mjs';
import { startSmsReceiver } from './lib/sms-receiver.mjs';
import { betterAuthOperations, countStatements, floorOperations, formatStatementTable, gatewayOperations, STATEMENT_LEGEND } from './lib/statement-counts.mjs';
import { evaluateTargets, formatTargets, TARGET_LEGEND } from './lib/targets.mjs';
import { RUN_ORDER, SCENARIOS } from './scenarios.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const STARTED_AT = performance.now();
const VERSIONED_PACKAGES = ['better-auth', '@nestjs/core', '@nestjs/graphql', '@nestjs/apollo', '@apollo/server', 'graphql', 'typeorm', 'pg', 'autocannon'];

const cleanups = [];
const defer = (step) => cleanups.push(step);
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
      duration: { type: 'string', default: '5' },
      'login-duration': { type: 'string', default: '3' },
      warmup: { type: 'string', default: '2' },
      users: { type: 'string', default: '8' },
      only: { type: 'string' },
      'sql-requests': { type: 'string', default: '40' },
      'sql-detail': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      'write-docs': { type: 'boolean', default: false },
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
  if (only && values['write-docs']) throw new Error('--write-docs needs every scenario: drop --only');
  const schedule = RUN_ORDER.filter((name) => !only || only.includes(name)).map((name) => SCENARIOS.find((scenario) => scenario.name === name));
  return {
    connections: positive('connections'),
    duration: positive('duration'),
    loginDuration: positive('login-duration'),
    warmup: Number(values.warmup) >= 0 ? Number(values.warmup) : 2,
    users: positive('users'),
    sqlRequests: values['sql-requests'] === '0' ? 0 : positive('sql-requests'),
    sqlDetail: values['sql-detail'],
    schedule,
    scenarios: [...new Set(schedule)],
    build: !values['no-build'],
    writeDocs: values['write-docs'],
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

/**
 * Starts the server of `name` on a database of its own and returns it with its scenarios' context
 * (scenarios.mjs describes ctx): { name, server, database: { name, url }, ctx }.
 */
async function startTarget(name, { options, where, shared, secrets }) {
  const database = await createDatabase(options.pgUrl, name, defer);
  if (name === 'floor') {
    const server = await startFloor(where, { name, databaseUrl: database.url });
    return { name, server, database, ctx: { ...shared, url: server.url, state: {} } };
  }
  if (name === 'better-auth') {
    const server = await startBetterAuth(where, { name, databaseUrl: database.url, secrets, smsUrl: shared.receiver.url });
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    defer(() => pool.end());
    return { name, server, database, ctx: { ...shared, url: server.url, database: pool, state: {} } };
  }
  const server = await startGateway(where, { name, target: name, databaseUrl: database.url, secrets });
  const { tenant, users } = await setUpTenant(server.url, secrets.operatorToken, name === 'gateway' ? options.users : 0, shared.receiver.url);
  return { name, server, database, ctx: { ...shared, url: server.url, tenant, users, state: {} } };
}

/** Sends connection 0's first request once and checks its answer before any load is applied (requests built per send check themselves in prepare). */
async function probe(scenario, ctx) {
  const [first] = requestsFor(scenario, ctx, 0);
  if (typeof first.setupRequest === 'function') return;
  try {
    const data = await postGraphql(ctx.url, first.headers, first.body);
    const problem = scenario.check?.(data) ?? null;
    if (problem) throw new Error(problem);
  } catch (error) {
    throw new Error(`scenario ${scenario.name}: the probe request failed: ${error instanceof Error ? error.message : error}`);
  }
}

async function runScenario(scenario, target, options) {
  const { ctx, server } = target;
  await scenario.prepare?.(ctx);
  await probe(scenario, ctx);
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
  const databases = new Set([target.database.name]);
  const peakIsLifetime = !resetPeakRss(server.pid);
  const cpuBefore = cpuMillis(server.pid);
  const postgresBefore = postgresCpuMillis(databases);
  const generatorBefore = process.cpuUsage();
  const machineBefore = machineBusyMillis();
  const result = await runLoad({
    ...load,
    durationSeconds: scenario.duration?.(options) ?? options.duration,
    requestCount: scenario.requestCount?.(ctx, 'measure'),
  });
  const serverCpuMs = cpuMillis(server.pid) - cpuBefore;
  const postgresCpuMs = cpuMillisSince(postgresBefore, postgresCpuMillis(databases));
  const generatorUsage = process.cpuUsage(generatorBefore);
  const machineMs = machineBusyMillis() - machineBefore;
  const peakRss = peakRssMiB(server.pid);
  const generatorMs = (generatorUsage.user + generatorUsage.system) / 1000;
  const wallMs = result.seconds * 1000;
  const reportLines = (await scenario.afterMeasure?.(ctx, result)) ?? [];
  const perResponse = (ms) => (result.completed > 0 ? ms / result.completed : NaN);
  return {
    name: scenario.name,
    target: scenario.target,
    seconds: result.seconds,
    requestsPerSecond: result.completed / result.seconds,
    p50: result.p50,
    p99: result.p99,
    errors: result.failed + result.socketErrors + result.timeouts,
    result,
    cpuMsPerRequest: perResponse(serverCpuMs),
    pgCpuMsPerRequest: perResponse(postgresCpuMs),
    serverCpuPercent: (serverCpuMs / wallMs) * 100,
    pgCpuPercent: (postgresCpuMs / wallMs) * 100,
    generatorCpuPercent: (generatorMs / wallMs) * 100,
    restCpuPercent: (Math.max(0, machineMs - serverCpuMs - postgresCpuMs - generatorMs) / wallMs) * 100,
    peakRssMiB: peakRss,
    peakIsLifetime,
    reportLines,
  };
}

function printHeader(options, machine, busyPercentBefore) {
  console.log('');
  console.log('Honnin gateway benchmark');
  console.log('========================');
  console.log(`machine:  ${machine.cores} cores, ${machine.model}, ${machine.memoryGiB.toFixed(1)} GiB, ${machine.kernel}`);
  console.log(`node:     ${machine.node}${NODE_FLAGS.length ? ` ${NODE_FLAGS.join(' ')}` : ''}; every server NODE_ENV=production with a pg pool of ${POOL_SIZE} on a database of its own`);
  console.log('          (but the limits pair: NODE_ENV=development, RATE_LIMITS unset / off); gateways LOG_LEVEL=warn, TRUST_PROXY=1');
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

/** The labels of the run's rows: a scenario run more than once (the floor) is numbered. */
function rowLabels(schedule) {
  const seen = new Map();
  return schedule.map((scenario) => {
    const runs = schedule.filter((other) => other === scenario).length;
    const n = (seen.get(scenario) ?? 0) + 1;
    seen.set(scenario, n);
    return runs > 1 ? `${scenario.name} #${n}` : scenario.name;
  });
}

/**
 * Restarts, behind counting proxies, the servers whose scenarios ran, and counts the statements of each
 * operation (lib/statement-counts.mjs). The load servers are stopped by then.
 */
async function countAllStatements(options, targets, { where, secrets }) {
  const common = { scenarios: options.scenarios, requests: options.sqlRequests };
  const countingFloor = async (floor) => {
    const proxy = await startCountingProxy(floor.database.url, 'floor', defer);
    const server = await startFloor(where, { name: 'floor-counting', databaseUrl: viaProxy(floor.database.url, proxy) });
    return () => floorOperations({ ...common, ctx: floor.ctx, url: server.url, proxy });
  };
  const countingGateway = async (gateway) => {
    const proxy = await startCountingProxy(gateway.database.url, 'gateway', defer);
    const dispatcherProxy = await startCountingProxy(gateway.database.url, 'dispatcher', defer);
    const [server] = await Promise.all([
      startGateway(where, { name: 'gateway-counting', target: 'gateway', databaseUrl: viaProxy(gateway.database.url, proxy), secrets, extraEnv: { SMS_DISPATCHER: 'off' } }),
      startDispatcher(where, { databaseUrl: viaProxy(gateway.database.url, dispatcherProxy), secrets }),
    ]);
    return () => gatewayOperations({ ...common, ctx: gateway.ctx, url: server.url, proxy, dispatcherProxy });
  };
  const countingBetterAuth = async (betterAuth) => {
    const proxy = await startCountingProxy(betterAuth.database.url, 'better-auth', defer);
    const server = await startBetterAuth(where, {
      name: 'better-auth-counting', databaseUrl: viaProxy(betterAuth.database.url, proxy), secrets, smsUrl: betterAuth.ctx.receiver.url,
    });
    return () => betterAuthOperations({ ...common, ctx: betterAuth.ctx, url: server.url, proxy });
  };
  // The servers start together; their operations are then prepared one server after another.
  const starters = [['floor', countingFloor], ['gateway', countingGateway], ['better-auth', countingBetterAuth]].filter(([name]) => targets.has(name));
  const preparers = await Promise.all(starters.map(([name, start]) => start(targets.get(name))));
  const operations = [];
  for (const prepare of preparers) operations.push(...(await prepare()));
  return countStatements({ operations, detail: options.sqlDetail });
}

async function main() {
  const options = readOptions();
  if (options.build) buildGateway();
  const machine = machineDescription();
  const busyBefore = machineBusyMillis();
  await new Promise((resolveSleep) => setTimeout(resolveSleep, 1000));
  const busyPercentBefore = (machineBusyMillis() - busyBefore) / 10;
  printHeader(options, machine, busyPercentBefore);

  const logDir = mkdtempSync(join(tmpdir(), 'honnin-bench-'));
  const receiver = await startSmsReceiver();
  defer(() => receiver.stop());
  const secrets = {
    honninSecret: randomBytes(32).toString('hex'),
    operatorToken: `bench-operator-${randomBytes(16).toString('hex')}`,
    betterAuthSecret: randomBytes(32).toString('hex'),
  };
  const where = { root: ROOT, logDir, defer };
  const shared = {
    options: { connections: options.connections, duration: options.duration, warmup: options.warmup },
    receiver,
    nextPhoneNumber: japaneseMobileNumbers(),
    nextClientAddress: clientAddresses(),
  };

  // Each server starts before its first scenario and stops after its last, so that idle servers do
  // not run their background work beside the others' scenarios for long. Servers first used by
  // consecutive scenarios start together, which shortens the run.
  const targets = new Map();
  const labels = rowLabels(options.schedule);
  const rows = [];
  for (const [k, scenario] of options.schedule.entries()) {
    const starting = [];
    for (const later of options.schedule.slice(k)) {
      if (targets.has(later.target) || starting.includes(later.target)) break;
      starting.push(later.target);
    }
    const started = await Promise.all(starting.map((name) => startTarget(name, { options, where, shared, secrets })));
    for (const target of started) targets.set(target.name, target);
    const target = targets.get(scenario.target);
    process.stdout.write(`running ${labels[k]} against ${scenario.target}… `);
    const scenarioStartedAt = performance.now();
    const row = await runScenario(scenario, target, options);
    console.log(`${row.requestsPerSecond.toFixed(0)} req/s (${((performance.now() - scenarioStartedAt) / 1000).toFixed(0)} s with its preparation)`);
    rows.push({ ...row, label: labels[k] });
    if (!options.schedule.slice(k + 1).some((later) => later.target === scenario.target)) await target.server.stop();
  }
  const floor = floorSummary(rows);
  for (const row of rows) row.ratioToFloor = floor ? row.requestsPerSecond / floor.requestsPerSecond : null;

  const notes = [
    ...options.scenarios.filter((scenario) => scenario.note).map((scenario) => scenario.note),
    ...rows.flatMap((row) => row.reportLines),
  ];
  console.log('');
  console.log(formatTable(rows));
  console.log('');
  if (floor) console.log(formatFloorSummary(floor));
  for (const line of TABLE_LEGEND) console.log(line);
  for (const line of notes) console.log(line);

  // A server that answers nothing has no errors to count: a run without one response fails too.
  const failing = rows.filter((row) => row.errors > 0 || row.result.completed === 0);
  for (const row of failing) {
    const { sent, completed, failed, non2xx, socketErrors, timeouts, errorSamples } = row.result;
    console.log('');
    console.log(`${row.label}: ${failed} failed responses (${non2xx} non-2xx), ${socketErrors} socket errors, ${timeouts} timeouts`);
    if (completed === 0) console.log(`  no response in ${row.seconds} s: the ${sent} requests sent were still waiting when the run ended`);
    for (const sample of errorSamples) console.log(`  ${sample}`);
  }

  const targetResults = evaluateTargets({ rows, floor, connections: options.connections });
  console.log('');
  console.log(formatTargets(targetResults));
  for (const line of TARGET_LEGEND) console.log(line);

  let statements = { rows: [], notes: [] };
  if (options.sqlRequests > 0) {
    console.log('');
    process.stdout.write('counting SQL statements per request… ');
    const countingStartedAt = performance.now();
    statements = await countAllStatements(options, targets, { where, secrets });
    console.log(`done (${((performance.now() - countingStartedAt) / 1000).toFixed(0)} s)`);
    if (statements.rows.length > 0) {
      console.log('');
      console.log(formatStatementTable(statements.rows));
      console.log('');
      for (const line of STATEMENT_LEGEND) console.log(line);
      for (const note of statements.notes) console.log(note);
    }
  }

  if (options.writeDocs) {
    if (failing.length > 0 || !floor) {
      console.log('\ndocs not written: a scenario had errors');
    } else {
      const written = writeBenchmarkDocs({
        root: ROOT,
        rows,
        floor,
        targets: targetResults,
        statements,
        machine,
        busyPercentBefore,
        postgresVersion: await postgresVersion(options.pgUrl),
        versions: packageVersions(ROOT, VERSIONED_PACKAGES),
        command: ['npm run bench --', ...process.argv.slice(2)].join(' '),
        options,
        notes,
        date: new Date(),
      });
      console.log(`\nwrote ${relative(ROOT, written.markdownPath)} and ${relative(ROOT, written.chartPath)}`);
    }
  }

  const seconds = (performance.now() - STARTED_AT) / 1000;
  console.log(`\nthe bench took ${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`);
  if (failing.length > 0) {
    console.log(`server logs kept in ${logDir}`);
    return 1;
  }
  rmSync(logDir, { recursive: true, force: true });
  return 0;
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers and dropping the databases`);
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
