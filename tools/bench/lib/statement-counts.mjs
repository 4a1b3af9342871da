// SQL statements per request: each operation is sent N times, one request after another, to a
// server whose database connections go through a counting proxy (sql-counting-proxy.mjs); the SMS
// dispatcher runs as its own process behind a proxy of its own, so what the sends cost is counted apart
// from the requests that queued them. The servers' background statements (policy refresh, outbox
// poll), measured while idle, are subtracted in proportion to each batch's length.
import { betterAuthHeaders, insertUsersWithVerifiedNumbers, postBetterAuth, requestCodes, SEND_OTP_PATH, VERIFY_PATH } from './better-auth-otp.mjs';
import { postGraphql } from './graphql-client.mjs';
import { requestsFor, requestsOfConnection } from './load.mjs';
import { prepareEnrolmentChallenges, signUpSmsUsers, startEnrolmentBody, usersForSends, verifyBody } from './sms-challenges.mjs';
import { nowMs } from './sms-receiver.mjs';
import { STATEMENT_KINDS } from './sql-counting-proxy.mjs';

const WARM_UP_REQUESTS = 5;
// One period of the slowest background loop (the tenant policy refresh, every 5 s).
const IDLE_WINDOW_MS = 5000;
const QUIET_MS = 150;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @typedef {{ name: string, requests: number, send: () => Promise<void>, proxy: object, dispatcherProxy?: object, sendsSms?: boolean }} Operation
 *   proxy: the counting proxy of the server it is sent to; dispatcherProxy: the SMS dispatcher's, for a
 *   gateway operation: what it made the dispatcher run is a row of its own (per SMS) when it sendsSms,
 *   and a note when it should not have made it run anything.
 */

/**
 * Sends each operation WARM_UP_REQUESTS times, measures every proxy's background rate while all idle,
 * then sends each operation's batch and counts what its proxies saw.
 * @param {{ operations: Operation[], detail: boolean }} setup
 *   detail: also list, per operation, each statement text with its count per request.
 * @returns {Promise<{ rows: object[], notes: string[] }>}
 */
export async function countStatements({ operations, detail }) {
  if (operations.length === 0) return { rows: [], notes: [] };
  const proxies = [...new Set(operations.flatMap((operation) => [operation.proxy, operation.dispatcherProxy].filter(Boolean)))];
  for (const operation of operations) {
    for (let k = 0; k < WARM_UP_REQUESTS; k++) await operation.send();
  }
  await quiet(proxies);
  const idleFrom = { snapshots: proxies.map((proxy) => proxy.snapshot()), at: nowMs() };
  await sleep(IDLE_WINDOW_MS);
  const idleMs = nowMs() - idleFrom.at;
  const idle = new Map(proxies.map((proxy, i) => [proxy, perMs(proxy.snapshot(), idleFrom.snapshots[i], idleMs)]));

  const rows = [];
  const background = proxies
    .map((proxy) => [proxy.label, idle.get(proxy).total * 1000])
    .filter(([, perSecond]) => perSecond >= 0.05)
    .map(([label, perSecond]) => `${label} ${perSecond.toFixed(1)}/s`);
  const notes = [`background statements while idle (policy refresh, outbox poll), subtracted pro rata: ${background.join(', ') || 'none'}`];
  for (const operation of operations) {
    const watched = [operation.proxy, operation.dispatcherProxy].filter(Boolean);
    await quiet(proxies);
    const at = nowMs();
    const before = watched.map((proxy) => ({ counts: proxy.snapshot(), texts: proxy.texts() }));
    for (let k = 0; k < operation.requests; k++) await operation.send();
    await quiet(proxies);
    const elapsedMs = nowMs() - at;
    const [own, dispatcher] = watched.map((proxy, i) => perRequest(proxy.snapshot(), before[i].counts, idle.get(proxy), elapsedMs, operation.requests));
    rows.push({ name: operation.name, requests: operation.requests, perRequest: own });
    if (operation.sendsSms) rows.push({ name: '  dispatcher, per SMS', requests: operation.requests, perRequest: dispatcher });
    // A statement or two either way is the background estimate's error, not the operation's doing.
    else if (dispatcher && dispatcher.total * operation.requests > 2.5) notes.push(`${operation.name} also made the dispatcher run ${dispatcher.total.toFixed(2)} statements per request`);
    if (detail) {
      notes.push('', `${operation.name}: statements per request (background not subtracted)`, ...textLines(operation.proxy.texts(), before[0].texts, operation.requests));
      if (operation.sendsSms) notes.push(`${operation.name}, dispatcher: statements per SMS`, ...textLines(operation.dispatcherProxy.texts(), before[1].texts, operation.requests));
    }
  }
  return { rows, notes };
}

/**
 * The gateway operations among `scenarios`: me, authorize and login (a fifth as many requests, at
 * least 10) exactly as their load scenario sends them, startSmsChallenge and verifySmsChallenge.
 * @param {{ ctx: object, scenarios: object[], requests: number, url: string, proxy: object, dispatcherProxy: object }} gateway
 *   ctx: the load gateway's context (tenant, receiver, nextPhoneNumber, …); url: the counting gateway's.
 * @returns {Promise<Operation[]>}
 */
export async function gatewayOperations({ ctx, scenarios, requests, url, proxy, dispatcherProxy }) {
  const names = new Set(scenarios.map((scenario) => scenario.name));
  const operations = [];
  for (const scenario of scenarios.filter((s) => ['me', 'authorize', 'login'].includes(s.name))) {
    operations.push(sameRequestOperation(scenario, ctx, url, scenario.name === 'login' ? Math.max(10, Math.round(requests / 5)) : requests, proxy));
  }
  if (names.has('startSmsChallenge')) operations.push({ ...(await startOperation(ctx, url, requests, proxy)), sendsSms: true });
  if (names.has('verifySmsChallenge')) operations.push(await verifyOperation(ctx, url, requests, proxy));
  return operations.map((operation) => ({ ...operation, dispatcherProxy }));
}

/** The floor's mutation and query among `scenarios`, as their load scenarios send them. */
export function floorOperations({ ctx, scenarios, requests, url, proxy }) {
  return scenarios
    .filter((scenario) => scenario.target === 'floor')
    .map((scenario) => ({ ...sameRequestOperation(scenario, ctx, url, requests, proxy), name: scenario.name === 'floor' ? 'floor (INSERT)' : scenario.name }));
}

/**
 * Better Auth's send-otp (a fresh number each time; the SMS is sent before the answer) and verify
 * (codes sent beforehand to users holding the number), as their load scenarios send them.
 */
export async function betterAuthOperations({ ctx, scenarios, requests, url, proxy }) {
  const names = new Set(scenarios.map((scenario) => scenario.name));
  const headers = betterAuthHeaders(ctx.nextClientAddress());
  const operations = [];
  if (names.has('better-auth:sendOtp')) {
    operations.push({
      name: 'better-auth:sendOtp',
      requests,
      proxy,
      send: async () => {
        const phoneNumber = ctx.nextPhoneNumber();
        await postBetterAuth(url, SEND_OTP_PATH, headers, { phoneNumber });
        await ctx.receiver.take(phoneNumber);
      },
    });
  }
  if (names.has('better-auth:verify')) {
    const phoneNumbers = Array.from({ length: WARM_UP_REQUESTS + requests }, () => ctx.nextPhoneNumber());
    await insertUsersWithVerifiedNumbers(ctx.database, phoneNumbers);
    const codes = await requestCodes({ url, phoneNumbers, clientAddress: ctx.nextClientAddress(), receiver: ctx.receiver });
    operations.push({
      name: 'better-auth:verify',
      requests,
      proxy,
      send: async () => {
        const answer = await postBetterAuth(url, VERIFY_PATH, headers, codes.shift());
        if (!answer.token) throw new Error(`better-auth:verify answered ${JSON.stringify(answer)}`);
      },
    });
  }
  return operations;
}

function textLines(after, before, requests) {
  const oneLine = (sql) => sql.replace(/\s+/g, ' ').trim();
  return [...after]
    .map(([sql, n]) => [sql, (n - (before.get(sql) ?? 0)) / requests])
    .filter(([, perRequest]) => perRequest > 0)
    .map(([sql, perRequest]) => `  ${perRequest.toFixed(2).padStart(6)}  ${oneLine(sql).slice(0, 160)}`);
}

/** A GraphQL scenario's own request for connection 0, sent as it is. */
function sameRequestOperation(scenario, ctx, url, requests, proxy) {
  const [{ headers, body }] = requestsFor(scenario, ctx, 0);
  return {
    name: scenario.name,
    requests,
    proxy,
    send: async () => {
      const data = await postGraphql(url, headers, body);
      const problem = scenario.check?.(data) ?? null;
      if (problem) throw new Error(`${scenario.name}: ${problem}`);
    },
  };
}

/**
 * ENROLL_PHONE to a fresh number each time, users without a phone taking turns. The next start waits
 * for the SMS to reach the receiver, so the dispatcher handles one message at a time (under load it
 * claims several with one statement).
 */
async function startOperation(ctx, gatewayUrl, requests, proxy) {
  const users = await signUpSmsUsers(ctx, gatewayUrl, usersForSends(WARM_UP_REQUESTS + requests), 'bench-sql-start');
  let sent = 0;
  return {
    name: 'startSmsChallenge',
    requests,
    proxy,
    send: async () => {
      const phoneNumber = ctx.nextPhoneNumber();
      await postGraphql(gatewayUrl, users[sent++ % users.length].headers, startEnrolmentBody(phoneNumber));
      await ctx.receiver.take(phoneNumber);
    },
  };
}

/** The right code for ENROLL_PHONE challenges prepared beforehand, each user's to the one number it re-enrols. */
async function verifyOperation(ctx, gatewayUrl, requests, proxy) {
  const total = WARM_UP_REQUESTS + requests;
  const users = await signUpSmsUsers(ctx, gatewayUrl, usersForSends(total), 'bench-sql-verify');
  const prepared = await prepareEnrolmentChallenges({
    gatewayUrl, users, counts: users.map((_, u) => requestsOfConnection(total, users.length, u)), receiver: ctx.receiver,
  });
  const queue = prepared.flat();
  return {
    name: 'verifySmsChallenge',
    requests,
    proxy,
    send: async () => {
      const { headers, challengeId, code } = queue.shift();
      const data = await postGraphql(gatewayUrl, headers, verifyBody(challengeId, code));
      if (!data.verifySmsChallenge?.sessionToken) throw new Error(`verifySmsChallenge answered ${JSON.stringify(data)}`);
    },
  };
}

/** Waits until none of the proxies has counted a statement for QUIET_MS. */
async function quiet(proxies) {
  let last = proxies.map((proxy) => proxy.snapshot().total).join();
  for (;;) {
    await sleep(QUIET_MS);
    const now = proxies.map((proxy) => proxy.snapshot().total).join();
    if (now === last) return;
    last = now;
  }
}

function perMs(after, before, elapsedMs) {
  return Object.fromEntries(Object.keys(after).map((kind) => [kind, (after[kind] - before[kind]) / elapsedMs]));
}

function perRequest(after, before, idlePerMs, elapsedMs, requests) {
  return Object.fromEntries(Object.keys(after).map((kind) => [kind, (after[kind] - before[kind] - idlePerMs[kind] * elapsedMs) / requests]));
}

const COLUMNS = [
  { title: 'operation', width: 22, align: 'left', value: (row) => row.name },
  { title: 'requests', width: 9, value: (row) => String(row.requests) },
  { title: 'stmts/req', width: 10, value: (row) => row.perRequest.total.toFixed(1) },
  ...STATEMENT_KINDS.map((kind) => ({
    title: kind === 'transaction' ? 'BEGIN/COMMIT' : kind === 'other' ? 'other' : kind.toUpperCase(),
    width: kind === 'transaction' ? 13 : 8,
    value: (row) => row.perRequest[kind].toFixed(1),
  })),
];

export const STATEMENT_LEGEND = [
  'SQL statements executed per request, counted at the Postgres wire protocol by a proxy (each simple query and each',
  '  extended-protocol Execute is one), with requests sent one at a time to servers started again for this (same',
  '  databases; the gateway without its in-process dispatcher); BEGIN/COMMIT are included in stmts/req. "dispatcher, per',
  '  SMS": what the SMS dispatcher, run as its own process behind its own proxy, executed to claim, send and record each',
  '  SMS those starts queued, one SMS at a time (each start waits for its SMS; under load one claim takes several).',
  '  login sends fewer requests (argon2). Each statement counts in the column of its first word; other: SELECT',
  '  pg_notify(…), WITH … (common table expressions, whatever they do) and anything else.',
];

export function formatStatementTable(rows) {
  const cell = (text, column) => (column.align === 'left' ? text.padEnd(column.width) : text.padStart(column.width));
  const header = COLUMNS.map((column) => cell(column.title, column)).join(' ');
  return [header, '-'.repeat(header.length), ...rows.map((row) => COLUMNS.map((column) => cell(column.value(row), column)).join(' '))].join('\n');
}
