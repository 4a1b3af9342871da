// Tenant isolation sweep (SECURITY 19, 23; DESIGN §3 "no query crosses tenants"): tenants A and B each
// hold users, sessions, a pending challenge, API keys, a provider, a custom policy and audit events,
// and B a prefix hold. Every operation of schema.graphql is tried with A's credentials against B: B's
// ids, B's secrets, B's slug. Each case checks A's answer, that no answer shows anything of B, and
// that B's rows are what they were. A new operation without a case here fails the suite.
import { GraphqlCall, GraphqlResult, startWebhookReceiverFake, WebhookReceiverFake, withDatabase, WORKSPACE_ROOT } from '@honnin/testing';
import { buildSchema, Kind, OperationDefinitionNode, parse, validate } from 'graphql';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIGURE_SMS_PROVIDERS, Honnin, jpMobile, LOGIN, SIGN_UP, startHonnin, UPDATE_POLICY, usMobile, verifySmsChallenge } from '../support/honnin';
import { contractViolations } from './support/fuzz-public-contract';
import { describeChange, RowSnapshot, RowWatcher, rowChanges } from './support/isolation-row-snapshot';
import { buildIsolationTenant, IsolationTenant, markersOf } from './support/isolation-tenants';

/** An answer as the client gives it: read field by field, its shape the schema's rather than a TypeScript type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = GraphqlResult<Record<string, any>>;

interface World {
  h: Honnin;
  /** The caller: every case uses A's credentials. */
  a: IsolationTenant;
  /** The tenant whose objects are aimed at. */
  b: IsolationTenant;
}

interface IsolationCase {
  name: string;
  /** The GraphQL document; its root fields are the operations the case covers. */
  query: string;
  /** Variables and credentials, from the tenants built in beforeAll. */
  call(w: World): GraphqlCall;
  /** The code A must be refused with, or a check of A's answer. */
  expected: string | ((r: Answer, w: World) => void | Promise<void>);
  /**
   * A login attempt naming B's slug: B's audit trail records the failure and B's counters count it
   * (SECURITY 15, 24). That is B's defence working, not A reaching into B; nothing else of B may change.
   */
  recordedByB?: boolean;
}

const ME = `{ me { user { id loginId maskedPhoneNumber } session { id aal amr } } }`;
const AUTHORIZE = `query($action: String!) { authorize(action: $action) { action allowed reason requiredAal currentAal maxAgeSeconds } }`;
const SMS_CHALLENGE = `query($id: ID!) { smsChallenge(id: $id) { id purpose maskedPhoneNumber attemptsRemaining status deliveryStatus } }`;
const LOGOUT = `mutation { logout }`;
const START = `mutation($input: StartSmsChallengeInput!) { startSmsChallenge(input: $input) { id maskedPhoneNumber } }`;
const RESEND = `mutation($id: ID!) { resendSmsChallenge(challengeId: $id) { id maskedPhoneNumber attemptsRemaining } }`;
const VERIFY = `mutation($input: VerifySmsChallengeInput!) { verifySmsChallenge(input: $input) { sessionToken session { id aal } user { id loginId } } }`;
const CHANGE_PASSWORD = `mutation($input: ChangePasswordInput!) { changePassword(input: $input) }`;
const TENANT_POLICY = `{ tenantPolicy { version actions { action aal } messages { appName } } }`;
const SMS_PROVIDERS = `{ smsProviders { id type baseUrl } }`;
const HOLDS = `{ smsPrefixHolds { prefix heldAt count } }`;
const AUDIT = `query($after: String, $filter: AuditEventFilter) {
  auditEvents(first: 200, after: $after, filter: $filter) { edges { cursor node { id type userId sessionId apiKeyId details } } pageInfo { hasNextPage } } }`;
const CREATE_API_KEY = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id name scopes } } }`;
const REVOKE_API_KEY = `mutation($id: ID!) { revokeApiKey(id: $id) }`;
const LIFT = `mutation($prefix: String!) { liftSmsPrefixHold(prefix: $prefix) { prefix liftedAt } }`;
const CREATE_TENANT = `mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id slug name } adminApiKey } }`;

const sql = <T extends Record<string, unknown>>(h: Honnin, text: string, params: unknown[]): Promise<T[]> =>
  withDatabase(h.db.url, async (c) => (await c.query(text, params)).rows as T[]);

/** Audit event ids of an auditEvents answer that are not the caller's tenant's. */
async function foreignAuditIds(w: World, r: Answer): Promise<string[]> {
  const ids: string[] = r.data?.['auditEvents'].edges.map((e: { node: { id: string } }) => e.node.id) ?? [];
  const rows = await sql<{ id: string }>(w.h, `SELECT id::text AS id FROM audit_events WHERE id = ANY($1::bigint[]) AND tenant_id <> $2`, [ids, w.a.id]);
  return rows.map((row) => row.id);
}

const CASES: IsolationCase[] = [
  // A's session named with B's slug: the session's tenant decides (SECURITY 19).
  { name: `me: A's session token with B's slug`, query: ME, call: ({ a, b }) => ({ tenant: b.slug, token: a.user.token }), expected: 'UNAUTHENTICATED' },
  { name: `authorize: A's session token with B's slug, B's action`, query: AUTHORIZE, call: ({ a, b }) => ({ tenant: b.slug, token: a.user.token, variables: { action: b.action } }), expected: 'UNAUTHENTICATED' },
  { name: `smsChallenge: A's session token with B's slug, B's challenge id`, query: SMS_CHALLENGE, call: ({ a, b }) => ({ tenant: b.slug, token: a.user.token, variables: { id: b.challenge.id } }), expected: 'UNAUTHENTICATED' },
  { name: `logout: A's session token with B's slug`, query: LOGOUT, call: ({ a, b }) => ({ tenant: b.slug, token: a.user.token }), expected: 'UNAUTHENTICATED' },
  { name: `startSmsChallenge: A's session token with B's slug`, query: START, call: ({ a, b }) => ({ tenant: b.slug, token: a.user.token, variables: { input: { purpose: 'STEP_UP' } } }), expected: 'UNAUTHENTICATED' },
  { name: `resendSmsChallenge: A's session token with B's slug, B's challenge id`, query: RESEND, call: ({ a, b }) => ({ tenant: b.slug, token: a.user.token, variables: { id: b.challenge.id } }), expected: 'UNAUTHENTICATED' },
  {
    name: `verifySmsChallenge: A's session token with B's slug, B's challenge and its right code`, query: VERIFY,
    call: ({ a, b }) => ({ tenant: b.slug, token: a.user.token, variables: { input: { challengeId: b.challenge.id, code: b.challenge.code } } }), expected: 'UNAUTHENTICATED',
  },
  {
    name: `changePassword: A's session token with B's slug and B's password`, query: CHANGE_PASSWORD,
    call: ({ a, b }) => ({ tenant: b.slug, token: a.user.token, variables: { input: { currentPassword: b.user.password, newPassword: 'taken over by tenant a 12345' } } }), expected: 'UNAUTHENTICATED',
  },

  // A's session in A's tenant, aimed at B's objects: the owner check (SECURITY 23).
  { name: `smsChallenge: A's session reads B's challenge by id`, query: SMS_CHALLENGE, call: ({ a, b }) => ({ tenant: a.slug, token: a.user.token, variables: { id: b.challenge.id } }), expected: (r) => expect([r.errors, r.data]).toEqual([undefined, { smsChallenge: null }]) },
  { name: `resendSmsChallenge: A's session resends B's challenge`, query: RESEND, call: ({ a, b }) => ({ tenant: a.slug, token: a.user.token, variables: { id: b.challenge.id } }), expected: 'CHALLENGE_NOT_FOUND' },
  {
    name: `verifySmsChallenge: A's session spends B's challenge with its right code`, query: VERIFY,
    call: ({ a, b }) => ({ tenant: a.slug, token: a.user.token, variables: { input: { challengeId: b.challenge.id, code: b.challenge.code } } }), expected: 'CHALLENGE_NOT_FOUND',
  },
  {
    name: `authorize: B's action asked in A's tenant follows A's policy, not B's`, query: AUTHORIZE,
    call: ({ a, b }) => ({ tenant: a.slug, token: a.user.token, variables: { action: b.action } }),
    expected: (r, { b }) => expect(r.data?.['authorize']).toEqual({ action: b.action, allowed: true, reason: 'OK', requiredAal: 'AAL1', currentAal: 'AAL1', maxAgeSeconds: null }),
  },
  { name: `me: A's session in A's tenant is A's user`, query: ME, call: ({ a }) => ({ tenant: a.slug, token: a.user.token }), expected: (r, { a }) => expect(r.data?.['me'].user).toMatchObject({ id: a.user.id, loginId: a.user.loginId }) },
  { name: `me: B's session token with A's slug`, query: ME, call: ({ a, b }) => ({ tenant: a.slug, token: b.user.token }), expected: 'UNAUTHENTICATED' },
  { name: `logout: B's session token with A's slug does not end B's session`, query: LOGOUT, call: ({ a, b }) => ({ tenant: a.slug, token: b.user.token }), expected: 'UNAUTHENTICATED' },
  {
    name: `startSmsChallenge: A's step-up to B's user's phone number`, query: START,
    call: ({ a, b }) => ({ tenant: a.slug, token: a.user.token, variables: { input: { purpose: 'STEP_UP', phoneNumber: b.user.phone } } }), expected: 'PHONE_MISMATCH',
  },
  {
    name: `changePassword: A's session with B's user's password`, query: CHANGE_PASSWORD,
    call: ({ a, b }) => ({ tenant: a.slug, token: a.user.token, variables: { input: { currentPassword: b.user.password, newPassword: 'taken over by tenant a 12345' } } }), expected: 'INSUFFICIENT_AUTHENTICATION',
  },

  // Public operations: login ids and passwords belong to one tenant.
  { name: `login: B's user's login id and password in A's tenant`, query: LOGIN, call: ({ a, b }) => ({ tenant: a.slug, variables: { input: { loginId: b.user.loginId, password: b.user.password } } }), expected: 'INVALID_CREDENTIALS' },
  {
    name: `login: A's user's login id and password in B's tenant`, query: LOGIN, recordedByB: true,
    call: ({ a, b }) => ({ tenant: b.slug, variables: { input: { loginId: a.user.loginId, password: a.user.password } } }), expected: 'INVALID_CREDENTIALS',
  },
  {
    name: `signUp: B's user's login id is free in A's tenant and creates A's user`, query: SIGN_UP,
    call: ({ a, b }) => ({ tenant: a.slug, variables: { input: { loginId: b.user.loginId, password: `${a.user.password} again` } } }),
    expected: async (r, w) => {
      expect(r.data?.['signUp'].user.loginId).toBe(w.b.user.loginId);
      expect(await sql(w.h, `SELECT tenant_id::text AS tenant FROM users WHERE id = $1`, [r.data?.['signUp'].user.id])).toEqual([{ tenant: w.a.id }]);
    },
  },

  // A's admin API key with B's slug: the key alone names the tenant.
  {
    name: `tenantPolicy: A's admin key with B's slug reads A's policy`, query: TENANT_POLICY, call: ({ a, b }) => ({ tenant: b.slug, apiKey: a.adminKey }),
    expected: async (r, w) => {
      const [{ version }] = await sql<{ version: number }>(w.h, `SELECT max(version) AS version FROM tenant_policy_versions WHERE tenant_id = $1`, [w.a.id]);
      expect(r.data?.['tenantPolicy']).toMatchObject({ version, messages: { appName: w.a.appName } });
    },
  },
  {
    name: `smsProviders: A's admin key with B's slug lists A's providers`, query: SMS_PROVIDERS, call: ({ a, b }) => ({ tenant: b.slug, apiKey: a.adminKey }),
    expected: (r, { a }) => expect(r.data?.['smsProviders'].map((p: { baseUrl: string }) => p.baseUrl)).toEqual([a.providerUrl]),
  },
  { name: `smsPrefixHolds: A's admin key with B's slug does not see B's +44 hold`, query: HOLDS, call: ({ a, b }) => ({ tenant: b.slug, apiKey: a.adminKey }), expected: (r) => expect(r.data).toEqual({ smsPrefixHolds: [] }) },
  {
    name: `auditEvents: A's admin key filtering on B's user id`, query: AUDIT, call: ({ a, b }) => ({ tenant: b.slug, apiKey: a.adminKey, variables: { filter: { userId: b.user.id } } }),
    expected: (r) => expect(r.data?.['auditEvents']).toEqual({ edges: [], pageInfo: { hasNextPage: false } }),
  },
  {
    name: `auditEvents: A's admin key paging on from B's newest cursor`, query: AUDIT, call: ({ a, b }) => ({ tenant: b.slug, apiKey: a.adminKey, variables: { after: b.newestAuditCursor } }),
    expected: async (r, w) => {
      expect(r.errors).toBeUndefined();
      expect(await foreignAuditIds(w, r)).toEqual([]);
    },
  },
  {
    name: `auditEvents: A's admin key with B's slug pages A's events only`, query: AUDIT, call: ({ a, b }) => ({ tenant: b.slug, apiKey: a.adminKey }),
    expected: async (r, w) => {
      expect(r.data?.['auditEvents'].edges.length).toBeGreaterThan(0);
      expect(await foreignAuditIds(w, r)).toEqual([]);
    },
  },
  {
    name: `updateTenantPolicy: A's admin key with B's slug changes A's policy`, query: UPDATE_POLICY,
    call: ({ a, b }) => ({ tenant: b.slug, apiKey: a.adminKey, variables: { input: { otp: { ttlSeconds: 240 } } } }),
    expected: async (r, w) => {
      const [{ version }] = await sql<{ version: number }>(w.h, `SELECT max(version) AS version FROM tenant_policy_versions WHERE tenant_id = $1`, [w.a.id]);
      expect(r.data?.['updateTenantPolicy']).toMatchObject({ version, otp: { ttlSeconds: 240 }, messages: { appName: w.a.appName } });
    },
  },
  {
    name: `configureSmsProviders: A's admin key with B's slug replaces A's providers`, query: CONFIGURE_SMS_PROVIDERS,
    call: ({ a, b }) => ({ tenant: b.slug, apiKey: a.adminKey, variables: { input: { providers: [{ type: 'WEBHOOK', baseUrl: a.providerUrl, credentials: { secret: 'whsec-isolation-0123456789' } }] } } }),
    expected: async (r, w) => {
      const ids: string[] = r.data?.['configureSmsProviders'].map((p: { id: string }) => p.id) ?? [];
      expect(ids).toHaveLength(1);
      expect(await sql(w.h, `SELECT tenant_id::text AS tenant FROM sms_provider_configs WHERE id = ANY($1::uuid[])`, [ids])).toEqual([{ tenant: w.a.id }]);
    },
  },
  {
    name: `createApiKey: A's admin key with B's slug makes a key of A`, query: CREATE_API_KEY,
    call: ({ a, b }) => ({ tenant: b.slug, apiKey: a.adminKey, variables: { input: { name: 'made under b', scopes: ['policy:read'] } } }),
    expected: async (r, w) => {
      const made = await w.h.gql.request(TENANT_POLICY, { tenant: w.b.slug, apiKey: r.data?.['createApiKey'].key });
      expect(made.data?.['tenantPolicy'].messages.appName).toBe(w.a.appName);
    },
  },
  { name: `revokeApiKey: A's admin key revokes B's reader key`, query: REVOKE_API_KEY, call: ({ a, b }) => ({ tenant: b.slug, apiKey: a.adminKey, variables: { id: b.readerKeyId } }), expected: 'BAD_USER_INPUT' },
  { name: `revokeApiKey: A's admin key revokes B's admin key`, query: REVOKE_API_KEY, call: ({ a, b }) => ({ tenant: b.slug, apiKey: a.adminKey, variables: { id: b.adminKeyId } }), expected: 'BAD_USER_INPUT' },
  { name: `liftSmsPrefixHold: A's admin key lifts B's +44 hold`, query: LIFT, call: ({ a, b }) => ({ tenant: b.slug, apiKey: a.adminKey, variables: { prefix: '+44' } }), expected: 'BAD_USER_INPUT' },
  { name: `tenantPolicy: A's session token with B's slug`, query: TENANT_POLICY, call: ({ a, b }) => ({ tenant: b.slug, token: a.user.token }), expected: 'UNAUTHENTICATED' },
  { name: `me: A's admin key with B's slug`, query: ME, call: ({ a, b }) => ({ tenant: b.slug, apiKey: a.adminKey }), expected: 'UNAUTHENTICATED' },

  // The operator operation: a tenant's key is no operator token, and B's slug cannot be taken over.
  {
    name: `createTenant: the operator creating B's slug again`, query: CREATE_TENANT,
    call: ({ h, b }) => ({ operatorToken: h.gateway.operatorToken, variables: { input: { slug: b.slug, name: 'Tenant A took this' } } }), expected: 'BAD_USER_INPUT',
  },
  {
    name: `createTenant: A's admin key as the operator token`, query: CREATE_TENANT,
    call: ({ a }) => ({ operatorToken: a.adminKey, variables: { input: { slug: `a-made-${randomBytes(3).toString('hex')}`, name: 'By A' } } }), expected: 'FORBIDDEN',
  },
  {
    name: `createTenant: A's admin key as the API key, B's slug`, query: CREATE_TENANT,
    call: ({ a, b }) => ({ apiKey: a.adminKey, tenant: b.slug, variables: { input: { slug: b.slug, name: 'Tenant A took this' } } }), expected: 'UNAUTHENTICATED',
  },
];

/** The root fields a document selects: the operations it calls. */
function operationsIn(query: string): string[] {
  return parse(query).definitions.flatMap((d) =>
    d.kind === Kind.OPERATION_DEFINITION ? (d as OperationDefinitionNode).selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : [])) : [],
  );
}

describe('tenant isolation: every operation with tenant A credentials against tenant B', () => {
  const schema = buildSchema(readFileSync(join(WORKSPACE_ROOT, 'apps/gateway/schema.graphql'), 'utf8'));
  let w: World;
  let receiver: WebhookReceiverFake;
  let watchB: RowWatcher;
  let beforeSweep: RowSnapshot;
  let markersOfB: string[];

  beforeAll(async () => {
    let h: Honnin;
    [h, receiver] = await Promise.all([startHonnin(), startWebhookReceiverFake({ secret: `whsec-${randomBytes(16).toString('hex')}` })]);
    const a = await buildIsolationTenant(h, receiver, { label: 'alpha', appName: 'Alpha Pay', phone: usMobile(), holdUk: false });
    const b = await buildIsolationTenant(h, receiver, { label: 'bravo', appName: 'Bravo Bank', phone: jpMobile(), holdUk: true });
    w = { h, a, b };
    markersOfB = markersOf(b);
    watchB = await new RowWatcher(h.db.url, { tenantId: b.id, counters: true }).open();
    beforeSweep = await watchB.snapshot();
  });
  afterAll(async () => {
    await watchB?.close();
    await receiver?.close();
    await w?.h.stop();
  });

  it('has a valid case for every query and mutation of schema.graphql', () => {
    const operations = [schema.getQueryType(), schema.getMutationType()].flatMap((type) => Object.keys(type?.getFields() ?? {}));
    expect(operations.length).toBeGreaterThan(15);
    const covered = new Set(CASES.flatMap((c) => operationsIn(c.query)));
    expect(operations.filter((op) => !covered.has(op))).toEqual([]);
    for (const c of CASES) expect([c.name, validate(schema, parse(c.query)).map((e) => e.message)]).toEqual([c.name, []]);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const call = c.call(w);
    const sent = JSON.stringify({ query: c.query, ...call });
    const before = await watchB.snapshot();
    const r = await w.h.gql.request(c.query, call);
    const after = await watchB.snapshot();

    expect(contractViolations(r, sent)).toEqual([]);
    expect(markersOfB.filter((marker) => r.raw.includes(marker) && !sent.includes(marker))).toEqual([]);
    if (typeof c.expected === 'string') {
      expect(r.code).toBe(c.expected);
      expect(Object.values(r.data ?? {}).filter((value) => value !== null)).toEqual([]);
    } else {
      await c.expected(r, w);
    }
    const changed = rowChanges(before, after).filter((change) => !(c.recordedByB && change.table === 'rate_limits'));
    expect(changed.map(describeChange)).toEqual([]);
    const audited = await watchB.auditEventsAfter(before);
    expect(audited.filter((event) => !(c.recordedByB && event.outcome === 'failure'))).toEqual([]);
  });

  it("leaves B's rows as they were before the sweep, but for the recorded refusals", async () => {
    const now = await watchB.snapshot();
    expect(rowChanges(beforeSweep, now).filter((change) => change.table !== 'rate_limits').map(describeChange)).toEqual([]);
    const audited = await watchB.auditEventsAfter(beforeSweep);
    expect(audited.map((event) => `${event.type} ${event.outcome}`)).toEqual(CASES.filter((c) => c.recordedByB).map(() => 'login failure'));
  });

  it("leaves every object of B working for B: keys, policy, providers, hold, sessions and the pending challenge", async () => {
    const { h, b } = w;
    expect((await h.gql.request(TENANT_POLICY, { apiKey: b.adminKey })).data?.['tenantPolicy']).toMatchObject({ version: b.policyVersion, messages: { appName: b.appName } });
    expect((await h.gql.request(TENANT_POLICY, { apiKey: b.readerKey })).data?.['tenantPolicy'].version).toBe(b.policyVersion);
    expect((await h.gql.request(SMS_PROVIDERS, { apiKey: b.adminKey })).data?.['smsProviders']).toEqual([{ id: b.providerId, type: 'WEBHOOK', baseUrl: b.providerUrl }]);
    expect((await h.gql.request(HOLDS, { apiKey: b.adminKey })).data?.['smsPrefixHolds'].map((hold: { prefix: string }) => hold.prefix)).toEqual([b.heldPrefix]);
    expect((await h.gql.request(ME, { tenant: b.slug, token: b.other.token })).data?.['me'].user.id).toBe(b.other.id);
    const verified = await verifySmsChallenge(h, b.slug, b.user.token, b.challenge.id, b.challenge.code);
    expect(verified.data?.['verifySmsChallenge'].session.aal).toBe('AAL2');
  });
});
