// Every scenario the bench runs, in order. Add one by appending an entry:
//   name      the table's row label (and what --only selects)
//   target    'gateway' or 'floor': which server takes the load and whose CPU and memory are read
//   request   (ctx, i) => the request connection i sends over and over: { headers?, body }, or an
//             array of them sent in turn (autocannon request objects, so `setupRequest` and
//             `onResponse` may carry state such as a challenge id from one request to the next).
//             POST /graphql with content-type: application/json is added by the runner.
//   prepare   optional async (ctx) => void, run once before the warm-up (ctx.state is free to use)
//   check     optional (data) => problem string or null, applied to one probe response before the load
//   duration  optional (options) => seconds, where the default --duration does not fit
//   note      optional line printed under the table
// ctx: { gatewayUrl, floorUrl, tenant: { slug, apiKey }, users: [{ loginId, password, sessionToken }], state }
import { authHeaders, graphqlBody } from './lib/graphql-client.mjs';

const pick = (list, i) => list[i % list.length];
const asUser = (ctx, i) => authHeaders({ tenant: ctx.tenant.slug, sessionToken: pick(ctx.users, i).sessionToken });

export const SCENARIOS = [
  {
    name: 'floor',
    target: 'floor',
    request: () => ({ body: graphqlBody('{ floor }') }),
    check: (data) => (data.floor === 1 ? null : `floor answered ${JSON.stringify(data)}`),
  },
  {
    name: 'me',
    target: 'gateway',
    request: (ctx, i) => ({
      headers: asUser(ctx, i),
      body: graphqlBody('{ me { user { id loginId maskedPhoneNumber } session { id aal amr authenticatedAt aal2VerifiedAt expiresAt } } }'),
    }),
    check: (data) => (data.me?.session?.aal === 'AAL1' ? null : `me answered ${JSON.stringify(data)}`),
  },
  {
    name: 'authorize',
    target: 'gateway',
    request: (ctx, i) => ({
      headers: asUser(ctx, i),
      body: graphqlBody('{ authorize(action: "payments.transfer") { action allowed reason requiredAal currentAal maxAgeSeconds } }'),
    }),
    // An AAL1 session against an AAL2 action: the refusal path, which is also audited.
    check: (data) =>
      data.authorize?.reason === 'STEP_UP_REQUIRED' && data.authorize.allowed === false
        ? null
        : `authorize answered ${JSON.stringify(data)}`,
    note: 'authorize: AAL1 sessions asking for payments.transfer (AAL2, 120 s), so every answer is STEP_UP_REQUIRED and audited.',
  },
  {
    name: 'login',
    target: 'gateway',
    request: (ctx, i) => {
      const { loginId, password } = pick(ctx.users, i);
      return {
        headers: authHeaders({ tenant: ctx.tenant.slug }),
        body: graphqlBody('mutation($input: LoginInput!) { login(input: $input) { sessionToken nextStep session { id aal } user { id } } }', {
          input: { loginId, password },
        }),
      };
    },
    check: (data) => (data.login?.sessionToken ? null : `login answered ${JSON.stringify(data)}`),
    duration: (options) => options.loginDuration,
    note: 'login: every request verifies an argon2id hash (19 MiB, t=2) by design, so its req/s is low; it runs for --login-duration seconds.',
  },
];
