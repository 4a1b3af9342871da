// SQL statements per request: each operation is sent N times, one request after another, to a
// gateway whose database connections go through a counting proxy (sql-counting-proxy.mjs); the SMS
// dispatcher runs as its own process behind a second proxy, so what the sends cost is counted apart
// from the requests that queued them. The servers' background statements (policy refresh, outbox
// poll), measured while idle, are subtracted in proportion to each batch's length.
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
 * @param {{ ctx: object, scenarios: object[], requestsPerOperation: number, detail: boolean,
 *   gatewayUrl: string, gatewayProxy: object, dispatcherProxy: object }} setup
 *   ctx: the load scenarios' context (tenant, receiver, nextPhoneNumber, …); scenarios: those selected;
 *   detail: also list, per operation, each statement text with its count per request.
 * @returns {Promise<{ rows: object[], notes: string[] }>}
 */
export async function countStatements({ ctx, scenarios, requestsPerOperation, detail, gatewayUrl, gatewayProxy, dispatcherProxy }) {
  const selected = new Set(scenarios.map((scenario) => scenario.name));
  const operations = [];
  for (const scenario of scenarios.filter((s) => ['me', 'authorize', 'login'].includes(s.name))) {
    operations.push(await sameRequestOperation(scenario, ctx, gatewayUrl, scenario.name === 'login' ? Math.max(10, Math.round(requestsPerOperation / 5)) : requestsPerOperation));
  }
  if (selected.has('startSmsChallenge')) operations.push(await startOperation(ctx, gatewayUrl, requestsPerOperation));
  if (selected.has('verifySmsChallenge')) operations.push(await verifyOperation(ctx, gatewayUrl, requestsPerOperation));
  if (operations.length === 0) return { rows: [], notes: [] };

  for (const operation of operations) {
    for (let k = 0; k < WARM_UP_REQUESTS; k++) await operation.send();
  }
  await quiet([gatewayProxy, dispatcherProxy]);
  const idleFrom = { gateway: gatewayProxy.snapshot(), dispatcher: dispatcherProxy.snapshot(), at: nowMs() };
  await sleep(IDLE_WINDOW_MS);
  const idle = {
    gateway: perMs(gatewayProxy.snapshot(), idleFrom.gateway, nowMs() - idleFrom.at),
    dispatcher: perMs(dispatcherProxy.snapshot(), idleFrom.dispatcher, nowMs() - idleFrom.at),
  };

  const rows = [];
  const notes = [
    `background statements while idle (policy refresh, outbox poll), subtracted pro rata: gateway ${(idle.gateway.total * 1000).toFixed(1)}/s, dispatcher ${(idle.dispatcher.total * 1000).toFixed(1)}/s`,
  ];
  for (const operation of operations) {
    await quiet([gatewayProxy, dispatcherProxy]);
    const before = { gateway: gatewayProxy.snapshot(), dispatcher: dispatcherProxy.snapshot(), at: nowMs() };
    const textsBefore = { gateway: gatewayProxy.texts(), dispatcher: dispatcherProxy.texts() };
    for (let k = 0; k < operation.requests; k++) await operation.send();
    await quiet([gatewayProxy, dispatcherProxy]);
    const elapsedMs = nowMs() - before.at;
    const gateway = perRequest(gatewayProxy.snapshot(), before.gateway, idle.gateway, elapsedMs, operation.requests);
    const dispatcher = perRequest(dispatcherProxy.snapshot(), before.dispatcher, idle.dispatcher, elapsedMs, operation.requests);
    rows.push({ name: operation.name, requests: operation.requests, perRequest: gateway });
    if (operation.sendsSms) rows.push({ name: '  dispatcher, per SMS', requests: operation.requests, perRequest: dispatcher });
    // A statement or two either way is the background estimate's error, not the operation's doing.
    else if (dispatcher.total * operation.requests > 2.5) notes.push(`${operation.name} also made the dispatcher run ${dispatcher.total.toFixed(2)} statements per request`);
    if (detail) {
      notes.push('', `${operation.name}: statements per request (background not subtracted)`, ...textLines(gatewayProxy.texts(), textsBefore.gateway, operation.requests));
      if (operation.sendsSms) notes.push(`${operation.name}, dispatcher: statements per SMS`, ...textLines(dispatcherProxy.texts(), textsBefore.dispatcher, operation.requests));
    }
  }
  return { rows, notes };
}

function textLines(after, before, requests) {
  const oneLine = (sql) => sql.replace(/\s+/g, ' ').trim();
  return [...after]
    .map(([sql, n]) => [sql, (n - (before.get(sql) ?? 0)) / requests])
    .filter(([, perRequest]) => perRequest > 0)
    .map(([sql, perRequest]) => `  ${perRequest.toFixed(2).padStart(6)}  ${oneLine(sql).slice(0, 160)}`);
}

/** me, authorize, login: the load scenario's own request for connection 0, sent as it is. */
async function sameRequestOperation(scenario, ctx, gatewayUrl, requests) {
  const [{ headers, body }] = requestsFor(scenario, ctx, 0);
  return {
    name: scenario.name,
    requests,
    send: async () => {
      const data = await postGraphql(gatewayUrl, headers, body);
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
async function startOperation(ctx, gatewayUrl, requests) {
  const users = await signUpSmsUsers(ctx, gatewayUrl, usersForSends(WARM_UP_REQUESTS + requests), 'bench-sql-start');
  let sent = 0;
  return {
    name: 'startSmsChallenge',
    requests,
    sendsSms: true,
    send: async () => {
      const phoneNumber = ctx.nextPhoneNumber();
      await postGraphql(gatewayUrl, users[sent++ % users.length].headers, startEnrolmentBody(phoneNumber));
      await ctx.receiver.take(phoneNumber);
    },
  };
}

/** The right code for ENROLL_PHONE challenges prepared beforehand, each user's to the one number it re-enrols. */
async function verifyOperation(ctx, gatewayUrl, requests) {
  const total = WARM_UP_REQUESTS + requests;
  const users = await signUpSmsUsers(ctx, gatewayUrl, usersForSends(total), 'bench-sql-verify');
  const prepared = await prepareEnrolmentChallenges({
    gatewayUrl, users, counts: users.map((_, u) => requestsOfConnection(total, users.length, u)), receiver: ctx.receiver,
  });
  const queue = prepared.flat();
  return {
    name: 'verifySmsChallenge',
    requests,
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
  '  extended-protocol Execute is one), with requests sent one at a time to a second gateway started for this (same',
  '  database, no in-process dispatcher); BEGIN/COMMIT are included in stmts/req. "dispatcher, per SMS": what the SMS',
  '  dispatcher, run as its own process behind its own proxy, executed to claim, send and record each SMS those starts',
  '  queued, one SMS at a time (each start waits for its SMS; under load one claim takes several). login sends fewer',
  '  requests (argon2). Each statement counts in the column of its first word; other: SELECT pg_notify(…), WITH …',
  '  (common table expressions, whatever they do) and anything else.',
];

export function formatStatementTable(rows) {
  const cell = (text, column) => (column.align === 'left' ? text.padEnd(column.width) : text.padStart(column.width));
  const header = COLUMNS.map((column) => cell(column.title, column)).join(' ');
  return [header, '-'.repeat(header.length), ...rows.map((row) => COLUMNS.map((column) => cell(column.value(row), column)).join(' '))].join('\n');
}
