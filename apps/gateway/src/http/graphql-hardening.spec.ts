import { ApolloServer } from '@apollo/server';
import express from 'express';
import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { formatGraphqlError } from '../errors/graphql-errors';
import { GRAPHQL_LIMITS, graphqlHardening, graphqlRequestTimeout, Timers, withoutSuggestions } from './graphql-hardening';

const SCHEMA = buildSchema(readFileSync(join(__dirname, '../../schema.graphql'), 'utf8'));

// The heaviest legitimate operations: every tenantPolicy field, and one full audit page at the maximum size.
const FULL_POLICY = `{ tenantPolicy { version defaultAal loginRequiresAal actions { action aal maxAgeSeconds }
  otp { length ttlSeconds maxAttempts resendCooldownSeconds maxSendsPerChallenge }
  phone { allowedCountries blockedPrefixes mobileOnly uniquePerTenant requiredAtSignUp }
  limits { sendsPerPhonePerHour sendsPerPhonePerDay sendsPerUserPerHour sendsPerIpPerHour sendsPerTenantPerHour verifyFailuresPerUserPerHour loginFailuresPerAccount loginFailuresPerIpPerHour }
  session { aal1MaxSeconds aal1IdleSeconds aal2MaxSeconds aal2IdleSeconds } password { minLength }
  messages { appName defaultLocale templates { locale text } webOtpDomain } } }`;
const AUDIT_PAGE = `auditEvents(first: 200) { edges { cursor node { apiKeyId createdAt details id ip outcome sessionId type userAgent userId } }
  pageInfo { endCursor hasNextPage } }`;

/** `__type` then `fields`, `type` and `ofType`s down to a `name` at exactly `depth` levels. */
const deep = (depth: number) => `{ __type(name: "Query") { fields { type { ${'ofType { '.repeat(depth - 4)}name${' }'.repeat(depth - 4)} } } } }`;
const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: tenantPolicy { version }`).join(' ')} }`;
const directives = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `t${i}: __typename @include(if: true)`).join(' ')} }`;
/** A long country allow-list: 21 tokens of mutation around n-21 strings, n tokens in all. */
const tokens = (n: number) => `mutation { updateTenantPolicy(input: { phone: { allowedCountries: [${' "JP"'.repeat(n - 21)} ] } }) { version } }`;

function validationErrors(query: string): string[] {
  const { validationRules, parseOptions } = graphqlHardening({ production: true });
  return validate(SCHEMA, parse(query, parseOptions), [...specifiedRules, ...validationRules]).map((e) => e.message);
}

/** An Apollo server on the committed schema, configured as the gateway is; `calls` counts root resolvers run. */
async function hardenedServer(production: boolean) {
  const { validationRules, parseOptions, plugins } = graphqlHardening({ production });
  const calls: string[] = [];
  const root = (name: string) => () => {
    calls.push(name);
    return null;
  };
  const server = new ApolloServer({
    schema: SCHEMA,
    rootValue: { tenantPolicy: root('tenantPolicy'), auditEvents: root('auditEvents'), me: root('me'), updateTenantPolicy: root('updateTenantPolicy') },
    validationRules,
    parseOptions,
    plugins,
    introspection: !production,
    formatError: formatGraphqlError,
  });
  await server.start();
  const run = async (query: string, variables?: Record<string, unknown>) => {
    const response = await server.executeOperation({ query, variables });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return { status: response.http.status, ...response.body.singleResult };
  };
  return { server, run, calls };
}

describe('GraphQL limits', () => {
  it.each([
    ['the full tenantPolicy selection', FULL_POLICY],
    ['one full audit page of 200 events', `{ ${AUDIT_PAGE} }`],
    [`depth ${GRAPHQL_LIMITS.maxDepth}`, deep(GRAPHQL_LIMITS.maxDepth)],
    [`${GRAPHQL_LIMITS.maxAliases} aliases`, aliases(GRAPHQL_LIMITS.maxAliases)],
    [`${GRAPHQL_LIMITS.maxDirectives} directives`, directives(GRAPHQL_LIMITS.maxDirectives)],
    [`${GRAPHQL_LIMITS.maxTokens} tokens`, tokens(GRAPHQL_LIMITS.maxTokens)],
  ])('accepts %s', (_label, query) => {
    expect(validationErrors(query)).toEqual([]);
  });

  describe('refuses before any resolver runs, as BAD_USER_INPUT', () => {
    let hardened: Awaited<ReturnType<typeof hardenedServer>>;
    beforeAll(async () => {
      hardened = await hardenedServer(true);
    });
    afterAll(() => hardened.server.stop());

    it.each([
      ['two full audit pages (cost)', `{ a: ${AUDIT_PAGE} b: ${AUDIT_PAGE} }`, /cost limit of 12000 exceeded/i],
      [`depth ${GRAPHQL_LIMITS.maxDepth + 1}`, deep(GRAPHQL_LIMITS.maxDepth + 1), /depth limit of 10 exceeded/i],
      [`${GRAPHQL_LIMITS.maxAliases + 1} aliases`, aliases(GRAPHQL_LIMITS.maxAliases + 1), /aliases limit of 15 exceeded/i],
      [`${GRAPHQL_LIMITS.maxDirectives + 1} directives`, directives(GRAPHQL_LIMITS.maxDirectives + 1), /directives limit of 20 exceeded/i],
      [`${GRAPHQL_LIMITS.maxTokens + 1} tokens`, tokens(GRAPHQL_LIMITS.maxTokens + 1), /more that 2000 tokens/],
      ['15 aliased policy updates plus one', `mutation { ${Array.from({ length: 16 }, (_, i) => `u${i}: updateTenantPolicy(input: {}) { version }`).join(' ')} }`, /aliases limit/i],
    ])('%s', async (_label, query, message) => {
      const result = await hardened.run(query);
      expect(result.status).toBe(400);
      expect(result.data).toBeUndefined();
      expect(result.errors?.map((e) => e.extensions?.['code'])).toContain('BAD_USER_INPUT');
      expect(result.errors?.every((e) => e.extensions?.['code'] === 'BAD_USER_INPUT')).toBe(true);
      expect(result.errors?.map((e) => e.message).join('\n')).toMatch(message);
      expect(hardened.calls).toEqual([]);
    });
  });
});

describe('field suggestions', () => {
  it.each([
    ['Cannot query field "mee" on type "Query". Did you mean "me"?', 'Cannot query field "mee" on type "Query".'],
    ['Unknown argument "frist" on field "Query.auditEvents". Did you mean "first"?', 'Unknown argument "frist" on field "Query.auditEvents".'],
    ['Value "AAL3" does not exist in "Aal" enum. Did you mean the enum value "AAL1" or "AAL2"?', 'Value "AAL3" does not exist in "Aal" enum.'],
    ['Unknown type "Aall". Did you mean "Aal", "Aal1", or "Aal2"?', 'Unknown type "Aall".'],
    ['Cannot query field "nosuch" on type "Query".', 'Cannot query field "nosuch" on type "Query".'],
  ])('%s', (message, expected) => {
    expect(withoutSuggestions(message)).toBe(expected);
  });

  const cases: [string, string, Record<string, unknown> | undefined][] = [
    ['a misspelt field', '{ mee { user { id } } }', undefined],
    ['a misspelt input field in variables', 'mutation($i: TenantPolicyInput!) { updateTenantPolicy(input: $i) { version } }', { i: { defaultAall: 'AAL1' } }],
    ['a misspelt enum value in variables', 'mutation($i: TenantPolicyInput!) { updateTenantPolicy(input: $i) { version } }', { i: { defaultAal: 'AAL3' } }],
  ];

  it.each(cases)('are gone in production: %s', async (_label, query, variables) => {
    const { server, run } = await hardenedServer(true);
    const result = await run(query, variables);
    await server.stop();
    expect(result.errors?.[0].extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).not.toMatch(/did you mean/i);
  });

  it.each(cases)('help developers elsewhere: %s', async (_label, query, variables) => {
    const { server, run } = await hardenedServer(false);
    const result = await run(query, variables);
    await server.stop();
    expect(result.errors?.[0].message).toMatch(/Did you mean/);
  });
});

/** Timers that fire only when the test says so. */
function manualTimers() {
  const pending = new Map<number, () => void>();
  let next = 0;
  const timers: Timers = {
    setTimeout(callback) {
      pending.set(++next, callback);
      return next;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
  };
  return {
    timers,
    pendingCount: () => pending.size,
    fireAll() {
      for (const [handle, callback] of pending) {
        pending.delete(handle);
        callback();
      }
    },
  };
}

describe('graphqlRequestTimeout', () => {
  let url: string;
  let close: () => Promise<void>;
  const clock = manualTimers();
  let release: () => void = () => undefined;
  const lateWrites: string[] = [];

  beforeAll(async () => {
    const app = express();
    app.use('/graphql', graphqlRequestTimeout({ timeoutMs: 10_000, timers: clock.timers }));
    // A resolver that takes as long as the test wants, then answers the way the Apollo integration does.
    app.post('/graphql/slow', async (_req, res) => {
      await new Promise<void>((resolve) => (release = resolve));
      try {
        res.setHeader('content-type', 'application/json');
        res.statusCode = 200;
        res.send(JSON.stringify({ data: { secret: 'late result' } }));
        lateWrites.push('ignored');
      } catch (error) {
        lateWrites.push(`threw ${(error as Error).message}`);
      }
    });
    app.post('/graphql/fast', (_req, res) => {
      res.json({ data: { ok: true } });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(() => close());

  it('answers 503 INTERNAL when time is up, drops the late result, and keeps serving', async () => {
    const answer = fetch(`${url}/graphql/slow`, { method: 'POST' });
    await waitFor(() => clock.pendingCount() === 1);
    clock.fireAll();
    const response = await answer;
    expect(response.status).toBe(503);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('INTERNAL');
    expect(body.errors[0].message).toMatch(/did not finish within 10 s/);

    release();
    await waitFor(() => lateWrites.length === 1);
    expect(lateWrites).toEqual(['ignored']);

    const fast = await fetch(`${url}/graphql/fast`, { method: 'POST' });
    expect(await fast.json()).toEqual({ data: { ok: true } });
    await waitFor(() => clock.pendingCount() === 0);
  });

  it('clears its timer when the answer comes in time', async () => {
    const response = await fetch(`${url}/graphql/fast`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { ok: true } });
    await waitFor(() => clock.pendingCount() === 0);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
