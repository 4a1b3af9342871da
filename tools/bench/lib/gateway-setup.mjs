// The state every gateway scenario starts from: one tenant whose policy asks AAL2 within 120 s for
// payments.transfer, and signed-up users each holding a session from a password login.
import { randomBytes } from 'node:crypto';
import { authHeaders, graphqlBody, postGraphql } from './graphql-client.mjs';

export const BENCH_TENANT = 'bench';

export async function setUpTenant(gatewayUrl, operatorToken, userCount) {
  const created = await postGraphql(
    gatewayUrl,
    authHeaders({ operatorToken }),
    graphqlBody('mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { slug } adminApiKey } }', {
      input: { slug: BENCH_TENANT, name: 'Bench Inc' },
    }),
  );
  const tenant = { slug: created.createTenant.tenant.slug, apiKey: created.createTenant.adminApiKey };

  await postGraphql(
    gatewayUrl,
    authHeaders({ apiKey: tenant.apiKey }),
    graphqlBody('mutation { updateTenantPolicy(input: { actions: [{ action: "payments.transfer", aal: AAL2, maxAgeSeconds: 120 }] }) { version } }'),
  );

  const users = [];
  for (let i = 0; i < userCount; i++) {
    const credentials = { loginId: `bench-user-${i}@example.com`, password: randomBytes(18).toString('base64url') };
    await postGraphql(
      gatewayUrl,
      authHeaders({ tenant: tenant.slug }),
      graphqlBody('mutation($input: SignUpInput!) { signUp(input: $input) { user { id } } }', { input: credentials }),
    );
    const login = await postGraphql(
      gatewayUrl,
      authHeaders({ tenant: tenant.slug }),
      graphqlBody('mutation($input: LoginInput!) { login(input: $input) { sessionToken } }', { input: credentials }),
    );
    users.push({ ...credentials, sessionToken: login.login.sessionToken });
  }
  return { tenant, users };
}
