import { createTestDatabase, GatewayProcess, GraphqlClient, startGatewayProcess, TestDatabase } from '@honnin/testing';
import { randomBytes } from 'node:crypto';

export const PASSWORD = 'correct horse battery staple 42';

export interface Honnin {
  db: TestDatabase;
  gateway: GatewayProcess;
  gql: GraphqlClient;
  stop(): Promise<void>;
}

/** A fresh database and the built gateway on it. */
export async function startHonnin(env: Record<string, string> = {}): Promise<Honnin> {
  const db = await createTestDatabase();
  const gateway = await startGatewayProcess({ databaseUrl: db.url, env: { DATABASE_POOL_SIZE: String(db.poolSize), ...env } });
  return {
    db,
    gateway,
    gql: new GraphqlClient(gateway.url),
    async stop() {
      await gateway.stop();
      await db.drop();
    },
  };
}

export function uniqueSlug(prefix = 'acme'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function createTenant(h: Honnin, slug = uniqueSlug()): Promise<{ slug: string; id: string; apiKey: string }> {
  const r = await h.gql.request(
    `mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id slug name } adminApiKey } }`,
    { operatorToken: h.gateway.operatorToken, variables: { input: { slug, name: `${slug} Inc` } } },
  );
  if (!r.data) throw new Error(`createTenant failed: ${r.raw}`);
  return { slug, id: r.data['createTenant'].tenant.id, apiKey: r.data['createTenant'].adminApiKey };
}

export const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { sessionToken nextStep session { id aal amr } user { id loginId } } }`;
export const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { sessionToken nextStep session { id aal amr authenticatedAt expiresAt } user { id loginId } } }`;
export const ME = `{ me { user { id loginId maskedPhoneNumber } session { id aal amr authenticatedAt aal2VerifiedAt expiresAt } } }`;

export async function signUp(h: Honnin, tenant: string, loginId: string, password = PASSWORD): Promise<string> {
  const r = await h.gql.request(SIGN_UP, { tenant, variables: { input: { loginId, password } } });
  if (!r.data) throw new Error(`signUp failed: ${r.raw}`);
  return r.data['signUp'].sessionToken;
}

export async function login(h: Honnin, tenant: string, loginId: string, password = PASSWORD): Promise<string> {
  const r = await h.gql.request(LOGIN, { tenant, variables: { input: { loginId, password } } });
  if (!r.data) throw new Error(`login failed: ${r.raw}`);
  return r.data['login'].sessionToken;
}

export const POLICY_FIELDS = `version defaultAal loginRequiresAal actions { action aal maxAgeSeconds }
  otp { length ttlSeconds maxAttempts resendCooldownSeconds maxSendsPerChallenge }
  phone { allowedCountries blockedPrefixes mobileOnly uniquePerTenant requiredAtSignUp }
  limits { sendsPerPhonePerHour sendsPerPhonePerDay sendsPerUserPerHour sendsPerIpPerHour sendsPerTenantPerHour verifyFailuresPerUserPerHour loginFailuresPerAccount loginFailuresPerIpPerHour }
  session { aal1MaxSeconds aal1IdleSeconds aal2MaxSeconds aal2IdleSeconds } password { minLength }
  messages { appName defaultLocale templates { locale text } webOtpDomain }`;
export const UPDATE_POLICY = `mutation($input: TenantPolicyInput!) { updateTenantPolicy(input: $input) { ${POLICY_FIELDS} } }`;
export const AUTHORIZE = `query($action: String!) { authorize(action: $action) { action allowed reason requiredAal currentAal maxAgeSeconds } }`;

export async function updatePolicy(h: Honnin, apiKey: string, input: Record<string, unknown>) {
  return h.gql.request(UPDATE_POLICY, { apiKey, variables: { input } });
}
