import { GraphqlResult } from '@honnin/testing';
import { createTenant, Honnin, ME, signUp, startHonnin } from './support/honnin';

/** `__type`, `fields`, `type` and `ofType`s down to a `name` exactly `depth` levels deep. */
const deepIntrospection = (depth: number) =>
  `{ __type(name: "Query") { fields { type { ${'ofType { '.repeat(depth - 4)}name${' }'.repeat(depth - 4)} } } } }`;
const AUDIT_PAGE = `auditEvents(first: 200) { edges { cursor node { apiKeyId createdAt details id ip outcome sessionId type userAgent userId } }
  pageInfo { endCursor hasNextPage } }`;
const POLICY = `{ tenantPolicy { version otp { length } } }`;

/** A gateway with one tenant and one signed-in user, to show it still answers after each refusal. */
interface Served {
  h: Honnin;
  tenant: { slug: string; apiKey: string };
  token: string;
}

async function serve(env: Record<string, string> = {}): Promise<Served> {
  const h = await startHonnin(env);
  const tenant = await createTenant(h);
  return { h, tenant, token: await signUp(h, tenant.slug, 'hardy@example.com') };
}

/** Refused as the client's fault before execution began: graphql-js leaves `data` out only then. */
function expectRefusedBeforeExecution(r: GraphqlResult, message: RegExp): void {
  expect(r.status).toBe(400);
  expect(r.errors?.map((e) => e.extensions?.['code'])).toEqual(r.errors?.map(() => 'BAD_USER_INPUT'));
  expect(r.errors?.map((e) => e.message).join('\n')).toMatch(message);
  expect(JSON.parse(r.raw)).not.toHaveProperty('data');
  expect(r.raw).not.toMatch(/stacktrace|at \w+ \(/);
}

async function expectStillServing(s: Served): Promise<void> {
  const me = await s.h.gql.request(ME, { tenant: s.tenant.slug, token: s.token });
  expect(me.data?.['me'].user.loginId).toBe('hardy@example.com');
}

async function otpLength(s: Served): Promise<number> {
  return (await s.h.gql.request(POLICY, { apiKey: s.tenant.apiKey })).data?.['tenantPolicy'].otp.length;
}

describe('GraphQL hardening over HTTP (SECURITY 22)', () => {
  let dev: Served;
  let prod: Served;
  beforeAll(async () => {
    [dev, prod] = await Promise.all([serve(), serve({ NODE_ENV: 'production' })]);
  });
  afterAll(() => Promise.all([dev?.h.stop(), prod?.h.stop()]));

  it('refuses a 20-deep query in development and in production, typed and unexecuted; 10 deep is fine', async () => {
    const ten = await dev.h.gql.request(deepIntrospection(10));
    expect(ten.errors).toBeUndefined();
    expect(ten.data?.['__type'].fields.length).toBeGreaterThan(0);
    for (const s of [dev, prod]) {
      expectRefusedBeforeExecution(await s.h.gql.request(deepIntrospection(20)), /depth limit of 10 exceeded/);
      await expectStillServing(s);
    }
  });

  it('answers a 1 MB body with 413 and a typed BAD_USER_INPUT JSON error', async () => {
    for (const s of [dev, prod]) {
      const body = JSON.stringify({ query: ME, variables: { padding: 'x'.repeat(1_000_000) } });
      const r = await s.h.gql.post(body, { 'content-type': 'application/json', 'x-tenant-id': s.tenant.slug, authorization: `Bearer ${s.token}` });
      expect(r.status).toBe(413);
      expect(r.errors).toEqual([{ message: 'The request body is larger than 100 kB.', extensions: { code: 'BAD_USER_INPUT', fields: [] } }]);
      await expectStillServing(s);
    }
  });

  it('refuses 500 aliased logouts before any runs: the session lives on', async () => {
    for (const s of [dev, prod]) {
      // Three tokens an alias, so the alias limit (not the token limit) is what refuses it.
      const aliased = Array.from({ length: 500 }, (_, i) => `l${i}: logout`).join(' ');
      expectRefusedBeforeExecution(await s.h.gql.request(`mutation { ${aliased} }`, { tenant: s.tenant.slug, token: s.token }), /aliases limit of 15 exceeded/i);
      await expectStillServing(s);
    }
  });

  it('refuses a token flood (a 5 000-entry country list) before it runs', async () => {
    for (const s of [dev, prod]) {
      const flood = `mutation { updateTenantPolicy(input: { otp: { length: 8 }, phone: { allowedCountries: [${' "JP"'.repeat(5000)} ] } }) { version } }`;
      expectRefusedBeforeExecution(await s.h.gql.request(flood, { apiKey: s.tenant.apiKey }), /more that 2000 tokens/);
      expect(await otpLength(s)).toBe(6);
      await expectStillServing(s);
    }
  });

  it('serves one full audit page of 200 events and refuses two in one request (cost)', async () => {
    for (const s of [dev, prod]) {
      const one = await s.h.gql.request(`{ ${AUDIT_PAGE} }`, { apiKey: s.tenant.apiKey });
      expect(one.errors).toBeUndefined();
      expect(one.data?.['auditEvents'].edges.length).toBeGreaterThan(0);
      expectRefusedBeforeExecution(await s.h.gql.request(`{ a: ${AUDIT_PAGE} b: ${AUDIT_PAGE} }`, { apiKey: s.tenant.apiKey }), /cost limit of 12000 exceeded/i);
      await expectStillServing(s);
    }
  });

  it('allows introspection in development only', async () => {
    const schema = `{ __schema { queryType { name } } }`;
    expect((await dev.h.gql.request(schema)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expectRefusedBeforeExecution(await prod.h.gql.request(schema), /introspection is not allowed/);
    expectRefusedBeforeExecution(await prod.h.gql.request(`{ __type(name: "Query") { name } }`), /introspection is not allowed/);
    await expectStillServing(prod);
  });

  it('gives no field suggestions in production, in validation or in variable errors', async () => {
    const misspelt = `{ me { usr { id } } }`;
    const enumValue = [`mutation($i: TenantPolicyInput!) { updateTenantPolicy(input: $i) { version } }`, { i: { defaultAal: 'AAL3' } }] as const;
    const devField = await dev.h.gql.request(misspelt, { tenant: dev.tenant.slug, token: dev.token });
    expect(devField.errors?.[0].message).toMatch(/Did you mean "user"\?/);
    const devEnum = await dev.h.gql.request(enumValue[0], { apiKey: dev.tenant.apiKey, variables: enumValue[1] });
    expect(devEnum.errors?.[0].message).toMatch(/Did you mean/);

    const prodField = await prod.h.gql.request(misspelt, { tenant: prod.tenant.slug, token: prod.token });
    expectRefusedBeforeExecution(prodField, /Cannot query field "usr" on type "Viewer"\./);
    const prodEnum = await prod.h.gql.request(enumValue[0], { apiKey: prod.tenant.apiKey, variables: enumValue[1] });
    expect(prodEnum.code).toBe('BAD_USER_INPUT');
    for (const r of [prodField, prodEnum]) expect(r.raw).not.toMatch(/did you mean|AAL1|"user"/i);
    await expectStillServing(prod);
  });

  it('keeps Apollo CSRF prevention on: a simple text/plain POST is refused', async () => {
    for (const s of [dev, prod]) {
      const r = await s.h.gql.post(JSON.stringify({ query: ME }), { 'content-type': 'text/plain', 'x-tenant-id': s.tenant.slug, authorization: `Bearer ${s.token}` });
      expect(r.status).toBe(400);
      expect(r.code).toBe('BAD_USER_INPUT');
      expect(r.raw).not.toContain('hardy@example.com');
    }
  });

  it('sends the security headers on /graphql and /healthz, and HSTS only in production', async () => {
    const expected = {
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-resource-policy': 'same-origin',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'cache-control': 'no-store',
    };
    for (const s of [dev, prod]) {
      const graphql = await fetch(`${s.h.gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-tenant-id': s.tenant.slug, authorization: `Bearer ${s.token}` },
        body: JSON.stringify({ query: ME }),
      });
      const healthz = await fetch(`${s.h.gateway.url}/healthz`);
      for (const response of [graphql, healthz]) {
        expect(response.status).toBe(200);
        expect(Object.fromEntries(Object.keys(expected).map((name) => [name, response.headers.get(name)]))).toEqual(expected);
        expect(response.headers.get('strict-transport-security')).toBe(s === prod ? 'max-age=31536000; includeSubDomains' : null);
        expect(response.headers.get('x-powered-by')).toBeNull();
      }
    }
  });
});
