// The state every gateway scenario starts from: one tenant whose policy asks AAL2 within 120 s for
// payments.transfer and allows the most SMS sends it can, whose SMS goes to the bench's local
// receiver (a WEBHOOK provider), and signed-up users each holding the session their sign-up opened.
import { randomBytes } from 'node:crypto';
import { authHeaders, graphqlBody, postGraphql } from './graphql-client.mjs';

export const BENCH_TENANT = 'bench';
// argon2id runs on libuv's 4 threads; more sign-ups at once only queue there.
const SIGN_UPS_AT_ONCE = 4;

/** SMS one bench user, or one number, may be sent: the policy's maximum sendsPerUserPerHour and sendsPerPhonePerHour. */
export const SENDS_PER_USER = 100;

/**
 * The policy's maximum for every send limit: the bench spreads its SMS over users, numbers and client
 * addresses, but all of them go to +81 within minutes, which the pumping defence would take for a burst.
 */
const BENCH_SEND_LIMITS = {
  sendsPerPhonePerHour: SENDS_PER_USER,
  sendsPerPhonePerDay: 1000,
  sendsPerUserPerHour: SENDS_PER_USER,
  sendsPerIpPerHour: 10_000,
  sendsPerTenantPerHour: 1_000_000,
  sendsPerTenantPerDay: 10_000_000,
  prefixBurstMinimum: 100_000,
};

export async function setUpTenant(gatewayUrl, operatorToken, userCount, smsReceiverUrl) {
  const created = await postGraphql(
    gatewayUrl,
    authHeaders({ operatorToken }),
    graphqlBody('mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { slug } adminApiKey } }', {
      input: { slug: BENCH_TENANT, name: 'Bench Inc' },
    }),
  );
  const tenant = { slug: created.createTenant.tenant.slug, apiKey: created.createTenant.adminApiKey };
  const asAdmin = authHeaders({ apiKey: tenant.apiKey });

  await postGraphql(
    gatewayUrl,
    asAdmin,
    graphqlBody('mutation($input: TenantPolicyInput!) { updateTenantPolicy(input: $input) { version } }', {
      input: { actions: [{ action: 'payments.transfer', aal: 'AAL2', maxAgeSeconds: 120 }], limits: BENCH_SEND_LIMITS },
    }),
  );
  await postGraphql(
    gatewayUrl,
    asAdmin,
    graphqlBody('mutation($input: ConfigureSmsProvidersInput!) { configureSmsProviders(input: $input) { id } }', {
      input: { providers: [{ type: 'WEBHOOK', baseUrl: smsReceiverUrl, credentials: { secret: randomBytes(16).toString('hex') } }] },
    }),
  );

  const users = await signUpUsers(gatewayUrl, tenant.slug, userCount, 'bench-user');
  return { tenant, users };
}

/**
 * Signs up `count` users named `<prefix>-<i>@example.com`, each keeping the session its sign-up
 * opened (AAL1, amr pwd: the same as a password login's): [{ loginId, password, sessionToken }].
 */
export async function signUpUsers(gatewayUrl, tenantSlug, count, prefix) {
  const users = new Array(count);
  let next = 0;
  const signUpNext = async () => {
    for (let i = next++; i < count; i = next++) {
      const credentials = { loginId: `${prefix}-${i}@example.com`, password: randomBytes(18).toString('base64url') };
      const signedUp = await postGraphql(
        gatewayUrl,
        authHeaders({ tenant: tenantSlug }),
        graphqlBody('mutation($input: SignUpInput!) { signUp(input: $input) { sessionToken } }', { input: credentials }),
      );
      users[i] = { ...credentials, sessionToken: signedUp.signUp.sessionToken };
    }
  };
  await Promise.all(Array.from({ length: Math.min(SIGN_UPS_AT_ONCE, count) }, signUpNext));
  return users;
}
