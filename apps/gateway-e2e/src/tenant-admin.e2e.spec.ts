import { countRows, GraphqlClient, startGatewayProcess, withDatabase } from '@honnin/testing';
import {
  AUTHORIZE, createTenant, Honnin, LOGIN, login, POLICY_FIELDS, PASSWORD, SIGN_UP, signUp, startHonnin, updatePolicy,
} from './support/honnin';

const CHANGE_PASSWORD = `mutation($input: ChangePasswordInput!) { changePassword(input: $input) }`;

describe('tenant policy and administration over HTTP', () => {
  let h: Honnin;
  beforeAll(async () => {
    h = await startHonnin();
  });
  afterAll(() => h.stop());

  it('an admin key sets actions and otp.length; the policy is version+1 with exactly those values and defaults elsewhere', async () => {
    const t = await createTenant(h);
    const before = await h.gql.request(`{ tenantPolicy { ${POLICY_FIELDS} } }`, { apiKey: t.apiKey });
    const updated = await updatePolicy(h, t.apiKey, {
      actions: [{ action: 'payments.transfer', aal: 'AAL2', maxAgeSeconds: 120 }],
      otp: { length: 8 },
    });
    expect(updated.errors).toBeUndefined();
    const read = await h.gql.request(`{ tenantPolicy { ${POLICY_FIELDS} } }`, { apiKey: t.apiKey });
    const policy = read.data?.['tenantPolicy'];
    const original = before.data?.['tenantPolicy'];
    expect(policy.version).toBe(original.version + 1);
    expect(policy.otp).toEqual({ ...original.otp, length: 8 });
    expect(policy.actions).toEqual([
      { action: 'payments.transfer', aal: 'AAL2', maxAgeSeconds: 120 },
      { action: 'account.change_password', aal: 'AAL2', maxAgeSeconds: 300 },
      { action: 'account.change_phone', aal: 'AAL2', maxAgeSeconds: 300 },
    ]);
    const { version: _v1, otp: _o1, actions: _a1, ...restAfter } = policy;
    const { version: _v2, otp: _o2, actions: _a2, ...restBefore } = original;
    expect(restAfter).toEqual(restBefore);
    expect(original).toMatchObject({ defaultAal: 'AAL1', loginRequiresAal: 'AAL1', otp: { length: 6, ttlSeconds: 300, maxAttempts: 5 }, password: { minLength: 15 } });

    const token = await signUp(h, t.slug, 'alice@example.com');
    const decision = await h.gql.request(AUTHORIZE, { tenant: t.slug, token, variables: { action: 'payments.transfer' } });
    expect(decision.data?.['authorize']).toEqual({
      action: 'payments.transfer', allowed: false, reason: 'STEP_UP_REQUIRED', requiredAal: 'AAL2', currentAal: 'AAL1', maxAgeSeconds: 120,
    });
    const unlisted = await h.gql.request(AUTHORIZE, { tenant: t.slug, token, variables: { action: 'reports.view' } });
    expect(unlisted.data?.['authorize']).toMatchObject({ allowed: true, reason: 'OK', requiredAal: 'AAL1' });

    const change = await h.gql.request(CHANGE_PASSWORD, { tenant: t.slug, token, variables: { input: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase 77' } } });
    expect(change.code).toBe('INSUFFICIENT_AUTHENTICATION');
    expect(change.errors?.[0].extensions).toMatchObject({ requiredAal: 'AAL2', maxAgeSeconds: 300 });
    expect(change.data).toBeNull();
  });

  it('changePassword works once the policy lowers it, ends the other sessions, and takes the minimum length from the policy', async () => {
    const t = await createTenant(h);
    await updatePolicy(h, t.apiKey, { actions: [{ action: 'account.change_password', aal: 'AAL1', maxAgeSeconds: 300 }] });
    const token = await signUp(h, t.slug, 'bob@example.com');
    const other = await login(h, t.slug, 'bob@example.com');
    const tooShort = await h.gql.request(CHANGE_PASSWORD, { tenant: t.slug, token, variables: { input: { currentPassword: PASSWORD, newPassword: 'short one' } } });
    expect(tooShort.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', fields: [{ field: 'newPassword', message: 'must be at least 15 characters' }] });
    const wrong = await h.gql.request(CHANGE_PASSWORD, { tenant: t.slug, token, variables: { input: { currentPassword: 'not my password at all', newPassword: 'a brand new passphrase 77' } } });
    expect(wrong.code).toBe('INVALID_CREDENTIALS');
    const ok = await h.gql.request(CHANGE_PASSWORD, { tenant: t.slug, token, variables: { input: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase 77' } } });
    expect(ok.data).toEqual({ changePassword: true });
    expect((await h.gql.request(`{ me { user { id } } }`, { tenant: t.slug, token: other })).code).toBe('UNAUTHENTICATED');
    expect((await h.gql.request(`{ me { user { id } } }`, { tenant: t.slug, token })).data?.['me']).toBeTruthy();
    expect((await h.gql.request(LOGIN, { tenant: t.slug, variables: { input: { loginId: 'bob@example.com', password: PASSWORD } } })).code).toBe('INVALID_CREDENTIALS');
    await login(h, t.slug, 'bob@example.com', 'a brand new passphrase 77');

    const aal2Login = await updatePolicy(h, t.apiKey, { loginRequiresAal: 'AAL2', password: { minLength: 8 } });
    expect(aal2Login.errors).toBeUndefined();
    const eight = await h.gql.request(SIGN_UP, { tenant: t.slug, variables: { input: { loginId: 'carl@example.com', password: 'zq8!vv2#' } } });
    expect(eight.data?.['signUp']).toMatchObject({ nextStep: 'ENROLL_PHONE', session: { aal: 'AAL1' } });
    const loggedIn = await h.gql.request(LOGIN, { tenant: t.slug, variables: { input: { loginId: 'carl@example.com', password: 'zq8!vv2#' } } });
    expect(loggedIn.data?.['login'].nextStep).toBe('ENROLL_PHONE');
  });

  it.each([
    [{ otp: { ttlSeconds: 0 } }, ['otp.ttlSeconds']],
    [{ otp: { ttlSeconds: 601 } }, ['otp.ttlSeconds']],
    [{ otp: { maxAttempts: 50 } }, ['otp.maxAttempts']],
    [{ messages: { templates: [{ locale: 'en', text: 'Hello from {app}' }] } }, ['messages.templates[0].text']],
    [{ messages: { templates: [{ locale: 'en', text: `{code} ${'long text '.repeat(20)}` }] } }, ['messages.templates[0].text']],
    [{ password: { minLength: 8 } }, ['password.minLength']],
    [{ session: { aal2IdleSeconds: 7200 } }, ['session.aal2IdleSeconds']],
    [{ otp: { ttlSeconds: 0, maxAttempts: 50 }, password: { minLength: 8 } }, ['otp.ttlSeconds', 'otp.maxAttempts', 'password.minLength']],
  ])('refuses %j with BAD_USER_INPUT naming %j, and keeps the stored version', async (input, fields) => {
    const t = await createTenant(h);
    const versionBefore = (await h.gql.request(`{ tenantPolicy { version } }`, { apiKey: t.apiKey })).data?.['tenantPolicy'].version;
    const r = await updatePolicy(h, t.apiKey, input);
    expect(r.code).toBe('BAD_USER_INPUT');
    const named = (r.errors?.[0].extensions?.['fields'] as { field: string }[]).map((f) => f.field);
    expect(named.sort()).toEqual([...fields].sort());
    expect((await h.gql.request(`{ tenantPolicy { version } }`, { apiKey: t.apiKey })).data?.['tenantPolicy'].version).toBe(versionBefore);
  });

  it('refuses an unknown AAL and a huge action list before anything is stored', async () => {
    const t = await createTenant(h);
    const unknownAal = await h.gql.request(`mutation { updateTenantPolicy(input: { defaultAal: AAL3 }) { version } }`, { apiKey: t.apiKey });
    expect(unknownAal.code).toBe('BAD_USER_INPUT');
    const tooMany = await updatePolicy(h, t.apiKey, { actions: Array.from({ length: 300 }, (_, i) => ({ action: `a${i}.x`, aal: 'AAL1' })) });
    expect(tooMany.code).toBe('BAD_USER_INPUT');
    expect((tooMany.errors?.[0].extensions?.['fields'] as { field: string }[]).map((f) => f.field)).toContain('actions');
    const huge = await updatePolicy(h, t.apiKey, { actions: Array.from({ length: 1000 }, (_, i) => ({ action: `a${i}.${'x'.repeat(10_000)}`, aal: 'AAL1' })) });
    expect(huge.status).toBe(413);
    expect(huge.code).toBe('BAD_USER_INPUT');
    expect((await h.gql.request(`{ tenantPolicy { version } }`, { apiKey: t.apiKey })).data?.['tenantPolicy'].version).toBe(1);
  });

  it('optimistic concurrency: a stale expectedVersion is refused naming the current version', async () => {
    const t = await createTenant(h);
    expect((await updatePolicy(h, t.apiKey, { expectedVersion: 1, otp: { length: 7 } })).data?.['updateTenantPolicy'].version).toBe(2);
    const stale = await updatePolicy(h, t.apiKey, { expectedVersion: 1, otp: { length: 9 } });
    expect(stale.code).toBe('BAD_USER_INPUT');
    expect(stale.errors?.[0].extensions?.['fields']).toEqual([{ field: 'expectedVersion', message: 'the policy was changed meanwhile; the current version is 2' }]);
  });

  it('scopes: FORBIDDEN without the scope, UNAUTHENTICATED once revoked, and a key never crosses tenants', async () => {
    const a = await createTenant(h);
    const b = await createTenant(h);
    const created = await h.gql.request(
      `mutation { createApiKey(input: { name: "reader", scopes: ["policy:read", "audit:read"] }) { key apiKey { id name scopes } } }`,
      { apiKey: a.apiKey },
    );
    const reader = created.data?.['createApiKey'];
    expect(reader.apiKey).toMatchObject({ name: 'reader', scopes: ['policy:read', 'audit:read'] });
    expect((await h.gql.request(`{ tenantPolicy { version } }`, { apiKey: reader.key })).data?.['tenantPolicy'].version).toBe(1);
    const forbidden = await updatePolicy(h, reader.key, { otp: { length: 7 } });
    expect(forbidden.code).toBe('FORBIDDEN');
    expect((await h.gql.request(`mutation { revokeApiKey(id: "${reader.apiKey.id}") }`, { apiKey: b.apiKey })).code).toBe('BAD_USER_INPUT');
    expect((await h.gql.request(`mutation { revokeApiKey(id: "${reader.apiKey.id}") }`, { apiKey: a.apiKey })).data).toEqual({ revokeApiKey: true });
    expect((await h.gql.request(`{ tenantPolicy { version } }`, { apiKey: reader.key })).code).toBe('UNAUTHENTICATED');
    expect((await h.gql.request(`{ tenantPolicy { version } }`, { apiKey: 'hnn_not-a-key' })).code).toBe('UNAUTHENTICATED');
    expect((await h.gql.request(`{ tenantPolicy { version } }`)).code).toBe('UNAUTHENTICATED');

    await updatePolicy(h, a.apiKey, { otp: { length: 9 } });
    const bPolicy = await h.gql.request(`{ tenantPolicy { version otp { length } } }`, { apiKey: b.apiKey, headers: { 'x-tenant-id': a.slug } });
    expect(bPolicy.data?.['tenantPolicy']).toEqual({ version: 1, otp: { length: 6 } });
    const bEvents = await h.gql.request(`{ auditEvents(first: 50) { edges { node { type } } } }`, { apiKey: b.apiKey });
    expect(bEvents.data?.['auditEvents'].edges.map((e: { node: { type: string } }) => e.node.type)).not.toContain('policy.updated');
  });

  it('audits policy versions, keys and refusals, with cursor pagination and filters', async () => {
    const t = await createTenant(h);
    const token = await signUp(h, t.slug, 'dora@example.com');
    await updatePolicy(h, t.apiKey, { actions: [{ action: 'payments.transfer', aal: 'AAL2', maxAgeSeconds: 60 }] });
    await h.gql.request(AUTHORIZE, { tenant: t.slug, token, variables: { action: 'payments.transfer' } });
    // Refusals are written in batches within milliseconds; wait for this one before the next event.
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      const seen = await h.gql.request(`{ auditEvents(first: 1, filter: { type: "authorization.denied" }) { edges { cursor } } }`, { apiKey: t.apiKey });
      if (seen.data?.['auditEvents'].edges.length) break;
    }
    const key = (await h.gql.request(`mutation { createApiKey(input: { name: "ci", scopes: ["audit:read"] }) { key apiKey { id } } }`, { apiKey: t.apiKey })).data?.['createApiKey'];
    await updatePolicy(h, key.key, { otp: { length: 7 } });
    await h.gql.request(`mutation { revokeApiKey(id: "${key.apiKey.id}") }`, { apiKey: t.apiKey });

    const page = (after?: string) =>
      h.gql.request(
        `query($after: String) { auditEvents(first: 3, after: $after) { edges { cursor node { type outcome userId details createdAt } } pageInfo { hasNextPage endCursor } } }`,
        { apiKey: t.apiKey, variables: { after } },
      );
    const types: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 10; i++) {
      const r = await page(after);
      const conn = r.data?.['auditEvents'];
      types.push(...conn.edges.map((e: { node: { type: string } }) => e.node.type));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(types).toEqual(['api_key.revoked', 'api_key.refused', 'api_key.created', 'authorization.denied', 'policy.updated', 'user.signed_up', 'api_key.created', 'tenant.created']);
    const denied = await h.gql.request(`{ auditEvents(first: 5, filter: { type: "authorization.denied" }) { edges { node { details userId } } } }`, { apiKey: t.apiKey });
    const node = denied.data?.['auditEvents'].edges[0].node;
    expect(JSON.parse(node.details)).toMatchObject({ action: 'payments.transfer', reason: 'STEP_UP_REQUIRED' });
    const byUser = await h.gql.request(`{ auditEvents(first: 10, filter: { userId: "${node.userId}" }) { edges { node { type } } } }`, { apiKey: t.apiKey });
    expect(byUser.data?.['auditEvents'].edges.map((e: { node: { type: string } }) => e.node.type)).toEqual(['authorization.denied', 'user.signed_up']);
    const future = await h.gql.request(`{ auditEvents(first: 10, filter: { since: "2999-01-01T00:00:00Z" }) { edges { node { type } } } }`, { apiKey: t.apiKey });
    expect(future.data?.['auditEvents'].edges).toEqual([]);
    expect((await h.gql.request(`{ auditEvents(first: 10, after: "garbage") { edges { cursor } } }`, { apiKey: t.apiKey })).code).toBe('BAD_USER_INPUT');
  });

  it('a policy change through one gateway is enforced by a second gateway on the same database within a second', async () => {
    const second = await startGatewayProcess({ databaseUrl: h.db.url, env: { DATABASE_POOL_SIZE: String(h.db.poolSize) } });
    try {
      const other = new GraphqlClient(second.url);
      const t = await createTenant(h);
      const token = await signUp(h, t.slug, 'erin@example.com');
      const ask = () => other.request(AUTHORIZE, { tenant: t.slug, token, variables: { action: 'payments.transfer' } });
      expect((await ask()).data?.['authorize'].allowed).toBe(true);
      await updatePolicy(h, t.apiKey, { actions: [{ action: 'payments.transfer', aal: 'AAL2', maxAgeSeconds: 120 }] });
      const changedAt = Date.now();
      let decision = await ask();
      while (decision.data?.['authorize'].allowed && Date.now() - changedAt < 1000) decision = await ask();
      expect(decision.data?.['authorize']).toMatchObject({ allowed: false, reason: 'STEP_UP_REQUIRED', maxAgeSeconds: 120 });
      expect(Date.now() - changedAt).toBeLessThan(1000);
    } finally {
      await second.stop();
    }
  });

  it('stores API keys only as hashes', async () => {
    const t = await createTenant(h);
    const rows = await withDatabase(h.db.url, (c) => c.query(`SELECT key_hash FROM api_keys WHERE tenant_id = $1`, [t.id]));
    expect(rows.rows).toHaveLength(1);
    expect(Buffer.isBuffer(rows.rows[0].key_hash) && rows.rows[0].key_hash.length).toBe(32);
    expect(JSON.stringify(await countRows(h.db.url))).toBeTruthy();
  });
});
