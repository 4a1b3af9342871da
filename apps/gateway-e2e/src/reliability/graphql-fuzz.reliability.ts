// GraphQL fuzz, against one gateway running as in production (introspection and suggestions off).
// Two sweeps per operation of schema.graphql:
//  - edge: a valid call of each operation that takes strings, with each string leaf in turn replaced
//    by each edge string (U+0000, a lone surrogate, empty, 10 000 characters...): every place a
//    string reaches the service meets every edge, whatever the random draw;
//  - random: fast-check (fixed seed, printed) generates odd and wrong-typed values, nulls, huge,
//    empty, unicode and control-character strings, bad ids, extra and missing fields, inline or in
//    variables, broken documents and bodies, under right, wrong and missing credentials.
// Requests go one at a time. Every answer must be typed with a code of DESIGN §5 (never INTERNAL),
// below HTTP 500, with no stack or SQL; a denied authorization must be audited (SECURITY 24); a refused
// request, and any read, must leave the database as it was, but for what the defences write by design:
//  - audit events of refusals (SECURITY 24: login failures, refused keys, rate-limit trips, denied
//    authorizations), which must not say `success`;
//  - a counted verification attempt on the challenge named (SECURITY 5: counted before the comparison),
//    and an expired challenge settled as EXPIRED;
//  - the rate-limit and per-prefix send counters (`rate_limits`, `sms_prefix_sends`), left out: they
//    count attempts, not successes, by design (a send or login is counted before the checks that may
//    refuse it, so parallel requests cannot exceed a limit), and they expire by themselves;
//  - a session's or an API key's last use, recorded on authenticated reads.
// The gateway runs without its dispatcher (a separate one delivers the setup's codes, then stops), so
// nothing else writes while a case runs, and no generated provider URL is ever called.
import { codeInBody, GraphqlResult, startWebhookReceiverFake, WebhookReceiverFake, withDatabase, WORKSPACE_ROOT } from '@honnin/testing';
import fc from 'fast-check';
import { buildSchema } from 'graphql';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONFIGURE_SMS_PROVIDERS, createSmsTenant, createTenant, eventually, Honnin, jpMobile, login, PASSWORD, SIGN_UP, signUp, startDispatcherProcess,
  startHonnin, startSmsChallenge, verifySmsChallenge,
} from '../support/honnin';
import { contractViolations, outcomeOf } from './support/fuzz-public-contract';
import { CALLER_OF, CredentialKind, edgeRequests, EDGE_STRINGS, FuzzPools, FuzzRequest, fuzzRequestArb, takesStrings } from './support/fuzz-graphql-requests';
import { NewAuditEvent, RowChange, RowSnapshot, RowWatcher, rowChanges } from './support/isolation-row-snapshot';

/** Replay a run with FUZZ_SEED=<seed> (and jest -t '<operation>:' for one operation); each operation draws from seed + its index. */
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_125);
const RUNS = { mutation: 150, query: 70 };
const MINIMUM_CASES = 1000;
const HIGH_LIMITS = {
  sendsPerPhonePerHour: 100, sendsPerPhonePerDay: 1000, sendsPerUserPerHour: 100, sendsPerIpPerHour: 10_000,
  sendsPerTenantPerHour: 1_000_000, sendsPerTenantPerDay: 10_000_000, prefixBurstMinimum: 100_000,
  verifyFailuresPerUserPerHour: 100, loginFailuresPerAccount: 100, loginFailuresPerIpPerHour: 100_000,
};
/** Refusals after which a verification attempt was counted, or the challenge settled as expired. */
const COUNTED_VERIFY_REFUSALS = ['INVALID_CODE', 'TOO_MANY_ATTEMPTS', 'CODE_EXPIRED'];

interface FuzzWorld {
  /** The tenant the admin operations are aimed at (their policy and providers change as the fuzz goes). */
  admin: { slug: string; apiKey: string; readerKey: string; revokedKey: string };
  /** The tenant whose users the session operations act as (its policy never changes). */
  users: { slug: string };
  /** An AAL1 session of a user with a verified phone and a pending step-up. */
  mainToken: string;
  /** A fresh AAL2 session of another user, for the operations that need one. */
  aal2Token: string;
  /** Sessions that a `logout` case may end, one each, so the others keep theirs. */
  logoutTokens: string[];
  operatorToken: string;
  pools: FuzzPools;
  /** A valid call of each operation that takes strings, whose string leaves the edge sweep replaces one by one. */
  edgeCalls: Record<string, { credential: CredentialKind; variables: Record<string, unknown> }>;
}

/** An answer as the client gives it: read field by field, its shape the schema's rather than a TypeScript type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = GraphqlResult<Record<string, any>>;

interface Example {
  index: number;
  request: FuzzRequest;
  status: number | string;
  answer: string;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);

describe('GraphQL fuzz against one production-mode gateway', () => {
  const schema = buildSchema(readFileSync(join(WORKSPACE_ROOT, 'apps/gateway/schema.graphql'), 'utf8'));
  const mutations = Object.keys(schema.getMutationType()?.getFields() ?? {});
  const queries = Object.keys(schema.getQueryType()?.getFields() ?? {});
  const operations = [...mutations, ...queries];
  let h: Honnin;
  let receiver: WebhookReceiverFake;
  let w: FuzzWorld;
  let watcher: RowWatcher;
  let last: RowSnapshot;
  const outcomes = new Map<string, Record<string, number>>();
  const violations = new Map<string, { count: number; examples: Example[] }>();

  beforeAll(async () => {
    const secret = randomBytes(32).toString('hex');
    [h, receiver] = await Promise.all([
      startHonnin({ NODE_ENV: 'production', SMS_DISPATCHER: 'off', HONNIN_SECRET: secret }),
      startWebhookReceiverFake({ secret: `whsec-${randomBytes(16).toString('hex')}` }),
    ]);
    const dispatcher = await startDispatcherProcess({ databaseUrl: h.db.url, secret });
    try {
      w = await buildWorld(h, receiver);
      await eventually('every setup message sent', async () => ((await pendingMessages(h)) === 0 ? true : undefined), 15_000);
    } finally {
      await dispatcher.stop();
    }
    watcher = await new RowWatcher(h.db.url, { counters: false }).open();
    last = await watcher.snapshot();
    process.stdout.write(`graphql-fuzz: seed ${SEED} (FUZZ_SEED replays or changes it), ${RUNS.mutation} cases a mutation, ${RUNS.query} a query\n`);
  });

  afterAll(async () => {
    const total = [...outcomes.values()].reduce((sum, tally) => sum + Object.values(tally).reduce((a, b) => a + b, 0), 0);
    const lines = [...outcomes].map(([op, tally]) => `  ${op}: ${Object.entries(tally).map(([code, n]) => `${code} ${n}`).join(', ')}`);
    process.stdout.write(`graphql-fuzz: ${total} cases over ${outcomes.size} operations, seed ${SEED}\n${lines.join('\n')}\n`);
    await watcher?.close();
    await receiver?.close();
    await h?.stop();
  });

  it('knows who calls each operation of schema.graphql, and has a valid call of each that takes strings', () => {
    expect(operations.length).toBeGreaterThan(15);
    expect(operations.filter((op) => !CALLER_OF[op])).toEqual([]);
    expect(operations.filter((op) => takesStrings(schema, op) && !w.edgeCalls[op])).toEqual([]);
  });

  it.each(operations.filter((op) => takesStrings(schema, op)))(`%s: each string argument in turn as ${EDGE_STRINGS.length} edge strings (U+0000, a lone surrogate, empty, 10 000 characters...)`, async (op) => {
    const { credential, variables } = w.edgeCalls[op];
    const requests = edgeRequests(schema, op, variables, credential);
    expect(requests.length).toBeGreaterThan(0);
    for (const [i, request] of requests.entries()) await check(op, request, i);
    expect(report(op, 'edge')).toEqual([]);
  });

  it.each(operations.map((op, index) => [op, index] as const))('%s: random requests, every answer typed and below 500, no row changed by a refusal', async (op, index) => {
    const runs = mutations.includes(op) ? RUNS.mutation : RUNS.query;
    const requests = fc.sample(fuzzRequestArb(schema, op, w.pools), { seed: SEED + index, numRuns: runs });
    for (const [i, request] of requests.entries()) await check(op, request, i);
    expect(report(op, 'random')).toEqual([]);
  });

  it(`ran at least ${MINIMUM_CASES} cases, and some on every operation`, () => {
    const counts = operations.map((op) => Object.values(outcomes.get(op) ?? {}).reduce((a, b) => a + b, 0));
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(MINIMUM_CASES);
    expect(operations.filter((_, i) => counts[i] < RUNS.query)).toEqual([]);
  });

  /** Sends `request` and records how its answer, or the rows around it, break the contract. */
  async function check(op: string, request: FuzzRequest, index: number): Promise<void> {
    const headers = headersFor(request);
    let result: Answer | undefined;
    let problems: string[];
    try {
      result = await h.gql.post(request.body, headers);
      problems = contractViolations(result, request.body + JSON.stringify(headers));
      if (problems.includes('INTERNAL')) {
        const cause = await loggedCause(result);
        problems = problems.map((p) => (p === 'INTERNAL' ? `INTERNAL, logged as ${cause}` : p));
      }
    } catch (error) {
      problems = [`no HTTP answer (${(error as Error).message})`];
    }
    if (result?.data?.['authorize']?.allowed === false && !(await eventuallyAudited('authorization.denied'))) {
      problems.push('a denied authorization was not audited (SECURITY 24)');
    }
    const next = await watcher.snapshot();
    const outcome = result ? outcomeOf(result) : 'NO_ANSWER';
    const tally = outcomes.get(op) ?? {};
    tally[outcome] = (tally[outcome] ?? 0) + 1;
    outcomes.set(op, tally);
    const refused = !result || !Object.values(result.data ?? {}).some((value) => value !== null && value !== undefined);
    if (refused || queries.includes(op)) problems.push(...rowProblems(op, refused ? outcome : null, rowChanges(last, next), await watcher.auditEventsAfter(last)));
    last = next;
    const sweep = request.mode === 'edge' ? 'edge' : 'random';
    for (const problem of problems) record(`${op} (${sweep}): ${problem}`, { index, request, status: result?.status ?? 'none', answer: result?.raw ?? '' });
  }

  /** Whether an audit event of `type` was written since the last snapshot; refusals are written in batches within milliseconds. */
  async function eventuallyAudited(type: string): Promise<boolean> {
    for (let waited = 0; waited < 1000; waited += 50) {
      if ((await watcher.auditEventsAfter(last)).some((event) => event.type === type)) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /** What a refused request (`refusal` its code) or a read changed beyond what the defences write by design. */
  function rowProblems(op: string, refusal: string | null, changes: RowChange[], audits: NewAuditEvent[]): string[] {
    const what = refusal ? `refused with ${refusal}, yet` : 'a read, yet';
    const counted = (c: RowChange) => c.table === 'sms_challenges' && c.kind === 'changed' && c.onlyRelaxed && op === 'verifySmsChallenge' && COUNTED_VERIFY_REFUSALS.includes(refusal ?? '');
    const held = (c: RowChange) => c.table === 'sms_prefix_holds' && refusal === 'RATE_LIMITED';
    return [
      ...changes.filter((c) => !counted(c) && !held(c)).map((c) => `${what} a row of ${c.table} was ${c.kind} [${c.key}]`),
      ...audits.filter((event) => event.outcome === 'success').map((event) => `${what} the audit trail says ${event.type} succeeded`),
    ];
  }

  function record(problem: string, example: Example): void {
    // Problems name row keys; group on the rest so one cause reads as one line with a count.
    const key = problem.replace(/ \[[^\]]*\]$/, '');
    const entry = violations.get(key) ?? { count: 0, examples: [] };
    entry.count += 1;
    entry.examples = [...entry.examples, example].sort((a, b) => a.request.body.length - b.request.body.length).slice(0, 2);
    violations.set(key, entry);
  }

  /** The operation's violations in one sweep, each with its count and its two shortest requests, ready to replay. */
  function report(op: string, sweep: 'edge' | 'random'): string[] {
    return [...violations]
      .filter(([key]) => key.startsWith(`${op} (${sweep}): `))
      .map(([key, { count, examples }]) => [
        `${key} (${count}×${sweep === 'random' ? `; replay: FUZZ_SEED=${SEED} jest -t '${op}: random'` : ''})`,
        ...examples.map((e) => `  case #${e.index} ${e.request.mode}, ${e.request.credential}${e.request.tenantHeader !== undefined ? `, x-tenant-id ${JSON.stringify(e.request.tenantHeader)}` : ''}, ${e.request.contentType}: ${clip(e.request.body, 400)}\n    → ${e.status} ${clip(e.answer, 300)}`),
      ].join('\n'));
  }

  /** The gateway's own log of an INTERNAL answer (found by its requestId), with quoted values and numbers masked. */
  async function loggedCause(result: GraphqlResult): Promise<string> {
    const ids = (result.errors ?? []).map((e) => e.extensions?.['requestId']).filter((id): id is string => typeof id === 'string');
    const find = () => h.gateway.output().split('\n').find((l) => l.includes('"err"') && ids.some((id) => l.includes(id)));
    // The log line may reach us a moment after the answer.
    for (let waited = 0; !find() && waited < 1000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    const line = find();
    if (!line) return 'nothing';
    const message = String((JSON.parse(line) as { err?: { message?: string } }).err?.message ?? '');
    return `"${message.replace(/"[^"]*"/g, '"…"').replace(/\d+/g, 'N').slice(0, 120)}"`;
  }

  function headersFor(request: FuzzRequest): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': request.contentType };
    const bearer = (token: string, slug: string) => Object.assign(headers, { authorization: `Bearer ${token}`, 'x-tenant-id': slug });
    switch (request.credential) {
      case 'session':
        bearer(request.operation === 'logout' ? nextLogoutToken() : w.mainToken, w.users.slug);
        break;
      case 'aal2Session':
        bearer(request.operation === 'logout' ? nextLogoutToken() : w.aal2Token, w.users.slug);
        break;
      case 'sessionOfOtherTenant':
        bearer(w.mainToken, w.admin.slug);
        break;
      case 'sessionAsApiKey':
        headers['authorization'] = `ApiKey ${w.mainToken}`;
        break;
      case 'adminKey':
        headers['authorization'] = `ApiKey ${w.admin.apiKey}`;
        break;
      case 'readerKey':
        headers['authorization'] = `ApiKey ${w.admin.readerKey}`;
        break;
      case 'revokedKey':
        headers['authorization'] = `ApiKey ${w.admin.revokedKey}`;
        break;
      case 'adminKeyAsBearer':
        bearer(w.admin.apiKey, w.users.slug);
        break;
      case 'operator':
        headers['x-operator-token'] = w.operatorToken;
        break;
      case 'wrongOperator':
        headers['x-operator-token'] = request.garbage;
        break;
      case 'garbageBearer':
        bearer(request.garbage, w.users.slug);
        break;
      case 'garbageApiKey':
        headers['authorization'] = `ApiKey ${request.garbage}`;
        break;
      case 'tenantOnly':
        headers['x-tenant-id'] = w.users.slug;
        break;
      case 'none':
        break;
    }
    if (request.tenantHeader === null) delete headers['x-tenant-id'];
    else if (request.tenantHeader !== undefined) headers['x-tenant-id'] = request.tenantHeader;
    return headers;
  }

  function nextLogoutToken(): string {
    // Once all are spent, the first (ended) one stands in: a logout of an ended session.
    return w.logoutTokens.length > 1 ? (w.logoutTokens.shift() as string) : w.logoutTokens[0];
  }
});

async function pendingMessages(h: Honnin): Promise<number> {
  return withDatabase(h.db.url, async (c) => (await c.query(`SELECT count(*)::int AS n FROM sms_outbox WHERE status = 'PENDING'`)).rows[0].n);
}

/** Signs up `loginId` with `phone` and enrols it with the code the receiver got: the user's id, the AAL2 token and the enrolment's id. */
async function enrolledUser(h: Honnin, receiver: WebhookReceiverFake, slug: string, loginId: string, password: string, phone: string) {
  const up = await h.gql.request(SIGN_UP.replace('user { id loginId }', 'user { id loginId } smsChallenge { id }'), { tenant: slug, variables: { input: { loginId, password, phoneNumber: phone } } });
  if (!up.data) throw new Error(`signUp failed: ${up.raw}`);
  const code = codeInBody((await receiver.next(phone, 10_000)).body) ?? '';
  const verified = await verifySmsChallenge(h, slug, up.data['signUp'].sessionToken, up.data['signUp'].smsChallenge.id, code);
  if (!verified.data) throw new Error(`enrolment failed: ${verified.raw}`);
  return { userId: up.data['signUp'].user.id as string, aal2Token: verified.data['verifySmsChallenge'].sessionToken as string, enrolmentId: up.data['signUp'].smsChallenge.id as string };
}

/** The two tenants, their users, sessions, keys and a pending challenge, and the pools the requests draw from. */
async function buildWorld(h: Honnin, receiver: WebhookReceiverFake): Promise<FuzzWorld> {
  const admin = await createTenant(h);
  const configured = await h.gql.request(CONFIGURE_SMS_PROVIDERS, {
    apiKey: admin.apiKey, variables: { input: { providers: [{ type: 'WEBHOOK', baseUrl: receiver.endpoint, credentials: { secret: receiver.secret } }] } },
  });
  if (!configured.data) throw new Error(`configureSmsProviders failed: ${configured.raw}`);
  const createKey = async (name: string, scopes: string[]) => {
    const r = await h.gql.request(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id } } }`, { apiKey: admin.apiKey, variables: { input: { name, scopes } } });
    if (!r.data) throw new Error(`createApiKey failed: ${r.raw}`);
    return { key: r.data['createApiKey'].key as string, id: r.data['createApiKey'].apiKey.id as string };
  };
  const reader = await createKey('reader', ['policy:read', 'audit:read']);
  const revoked = await createKey('revoked', ['policy:read']);
  const revocation = await h.gql.request(`mutation { revokeApiKey(id: "${revoked.id}") }`, { apiKey: admin.apiKey });
  if (!revocation.data) throw new Error(`revokeApiKey failed: ${revocation.raw}`);
  const disposable = [await createKey('disposable one', ['audit:read']), await createKey('disposable two', ['keys:manage'])];

  // Unlisted actions need AAL2, so most authorize calls of the AAL1 sessions are refusals, which are audited.
  const users = await createSmsTenant(h, receiver, { limits: HIGH_LIMITS, defaultAal: 'AAL2', actions: [{ action: 'payments.transfer', aal: 'AAL2', maxAgeSeconds: 120 }] });
  const [mainPhone, aal2Phone] = [jpMobile(), jpMobile()];
  const main = await enrolledUser(h, receiver, users.slug, 'fuzz-main@example.com', PASSWORD, mainPhone);
  const aal2Password = `fuzz second passphrase ${randomBytes(4).toString('hex')}`;
  const second = await enrolledUser(h, receiver, users.slug, 'fuzz-second@example.com', aal2Password, aal2Phone);
  const mainToken = await login(h, users.slug, 'fuzz-main@example.com');
  const stepUp = await startSmsChallenge(h, users.slug, mainToken, { purpose: 'STEP_UP' });
  if (!stepUp.data) throw new Error(`startSmsChallenge failed: ${stepUp.raw}`);
  await signUp(h, users.slug, 'fuzz-phoneless@example.com');
  const logoutTokens: string[] = [];
  for (let i = 0; i < 12; i++) logoutTokens.push(await login(h, users.slug, 'fuzz-main@example.com'));

  const audit = await h.gql.request(`{ auditEvents(first: 3) { edges { cursor } } }`, { apiKey: admin.apiKey });
  const auditCursors: string[] = audit.data?.['auditEvents'].edges.map((e: { cursor: string }) => e.cursor) ?? [];
  const stepUpId: string = stepUp.data['startSmsChallenge'].id;
  const edgeCalls: FuzzWorld['edgeCalls'] = {
    signUp: { credential: 'tenantOnly', variables: { input: { loginId: 'fuzz-edge@example.com', password: 'an edge case passphrase 1', phoneNumber: jpMobile() } } },
    login: { credential: 'tenantOnly', variables: { input: { loginId: 'fuzz-main@example.com', password: PASSWORD } } },
    changePassword: { credential: 'aal2Session', variables: { input: { currentPassword: aal2Password, newPassword: 'an edge case passphrase 2' } } },
    startSmsChallenge: { credential: 'aal2Session', variables: { input: { purpose: 'ENROLL_PHONE', phoneNumber: jpMobile(), locale: 'en' } } },
    verifySmsChallenge: { credential: 'session', variables: { input: { challengeId: stepUpId, code: '000000' } } },
    resendSmsChallenge: { credential: 'session', variables: { challengeId: stepUpId } },
    smsChallenge: { credential: 'session', variables: { id: stepUpId } },
    authorize: { credential: 'session', variables: { action: 'payments.transfer' } },
    createApiKey: { credential: 'adminKey', variables: { input: { name: 'edge', scopes: ['policy:read'] } } },
    revokeApiKey: { credential: 'adminKey', variables: { id: disposable[0].id } },
    createTenant: { credential: 'operator', variables: { input: { slug: `edge-${randomBytes(4).toString('hex')}`, name: 'Edge Inc' } } },
    liftSmsPrefixHold: { credential: 'adminKey', variables: { prefix: '+44' } },
    auditEvents: { credential: 'adminKey', variables: { first: 5, after: auditCursors[0], filter: { type: 'login', userId: main.userId } } },
    updateTenantPolicy: {
      credential: 'adminKey',
      variables: {
        input: {
          actions: [{ action: 'edge.action', aal: 'AAL1' }],
          phone: { allowedCountries: ['JP'], blockedPrefixes: ['+8150'] },
          messages: { appName: 'Edge', defaultLocale: 'en', templates: [{ locale: 'en', text: '{code} is your code' }], webOtpDomain: 'example.com' },
        },
      },
    },
    configureSmsProviders: {
      credential: 'adminKey',
      variables: { input: { providers: [{ type: 'WEBHOOK', baseUrl: receiver.endpoint, countries: ['JP'], credentials: { secret: receiver.secret } }] } },
    },
  };
  return {
    admin: { slug: admin.slug, apiKey: admin.apiKey, readerKey: reader.key, revokedKey: revoked.key },
    users: { slug: users.slug },
    mainToken,
    aal2Token: second.aal2Token,
    logoutTokens,
    operatorToken: h.gateway.operatorToken,
    pools: {
      slugs: [admin.slug, users.slug],
      loginIds: ['fuzz-main@example.com', 'fuzz-second@example.com', 'fuzz-phoneless@example.com'],
      passwords: [PASSWORD, aal2Password],
      phones: [mainPhone, aal2Phone],
      challengeIds: [stepUpId, second.enrolmentId],
      userIds: [main.userId, second.userId],
      apiKeyIds: [revoked.id, ...disposable.map((k) => k.id)],
      auditCursors,
      actions: ['payments.transfer', 'reports.view'],
      providerUrl: receiver.endpoint,
    },
    edgeCalls,
  };
}
