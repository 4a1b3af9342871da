import { createTestDatabase, GatewayProcess, GraphqlClient, startGatewayProcess, TestDatabase, WORKSPACE_ROOT } from '@honnin/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
  phone { allowedCountries blockedPrefixes allowedHighRiskPrefixes mobileOnly uniquePerTenant requiredAtSignUp }
  limits { sendsPerPhonePerHour sendsPerPhonePerDay sendsPerUserPerHour sendsPerIpPerHour sendsPerTenantPerHour sendsPerTenantPerDay
    prefixBurstMinimum prefixBurstFactor verifyFailuresPerUserPerHour loginFailuresPerAccount loginFailuresPerIpPerHour }
  session { aal1MaxSeconds aal1IdleSeconds aal2MaxSeconds aal2IdleSeconds } password { minLength }
  messages { appName defaultLocale templates { locale text } webOtpDomain }`;
export const UPDATE_POLICY = `mutation($input: TenantPolicyInput!) { updateTenantPolicy(input: $input) { ${POLICY_FIELDS} } }`;
export const AUTHORIZE = `query($action: String!) { authorize(action: $action) { action allowed reason requiredAal currentAal maxAgeSeconds } }`;

export async function updatePolicy(h: Honnin, apiKey: string, input: Record<string, unknown>) {
  return h.gql.request(UPDATE_POLICY, { apiKey, variables: { input } });
}

// SMS step-up and delivery (sms-step-up / sms-delivery specs).

export const START_SMS_CHALLENGE = `mutation($input: StartSmsChallengeInput!) { startSmsChallenge(input: $input) {
  id purpose maskedPhoneNumber expiresAt resendAvailableAt attemptsRemaining codeLength status deliveryStatus } }`;
export const RESEND_SMS_CHALLENGE = `mutation($id: ID!) { resendSmsChallenge(challengeId: $id) { id attemptsRemaining status deliveryStatus } }`;
export const VERIFY_SMS_CHALLENGE = `mutation($input: VerifySmsChallengeInput!) { verifySmsChallenge(input: $input) {
  sessionToken session { id aal amr aal2VerifiedAt } user { maskedPhoneNumber } } }`;
export const SMS_CHALLENGE = `query($id: ID!) { smsChallenge(id: $id) { id purpose attemptsRemaining codeLength status deliveryStatus } }`;
export const CONFIGURE_SMS_PROVIDERS = `mutation($input: ConfigureSmsProvidersInput!) { configureSmsProviders(input: $input) { id type position credentialFields } }`;

/** A random Japanese mobile number in E.164 (+8190 and 8 digits). */
export function jpMobile(): string {
  return `+8190${String(10_000_000 + randomInt(89_999_999))}`;
}

/** `+819012345678` as a Japanese user types it: `090-1234-5678`. */
export function jpNational(e164: string): string {
  const national = `0${e164.slice(3)}`;
  return `${national.slice(0, 3)}-${national.slice(3, 7)}-${national.slice(7)}`;
}

/**
 * A tenant whose SMS go to `receiverUrl` through the WEBHOOK provider, with send limits raised so a
 * suite's many sends from 127.0.0.1 do not trip the per-IP budget; `policy` is applied on top.
 */
export async function createSmsTenant(
  h: Honnin,
  receiver: { endpoint: string; secret: string },
  policy: Record<string, unknown> = {},
): Promise<{ slug: string; id: string; apiKey: string }> {
  const tenant = await createTenant(h);
  const configured = await h.gql.request(CONFIGURE_SMS_PROVIDERS, {
    apiKey: tenant.apiKey,
    variables: { input: { providers: [{ type: 'WEBHOOK', baseUrl: receiver.endpoint, credentials: { secret: receiver.secret } }] } },
  });
  if (!configured.data) throw new Error(`configureSmsProviders failed: ${configured.raw}`);
  const limits = { sendsPerPhonePerHour: 100, sendsPerPhonePerDay: 1000, sendsPerUserPerHour: 100, sendsPerIpPerHour: 10_000 };
  const updated = await updatePolicy(h, tenant.apiKey, { limits, ...policy });
  if (!updated.data) throw new Error(`updateTenantPolicy failed: ${updated.raw}`);
  return tenant;
}

export async function startSmsChallenge(h: Honnin, tenant: string, token: string, input: Record<string, unknown>) {
  return h.gql.request(START_SMS_CHALLENGE, { tenant, token, variables: { input } });
}

export async function verifySmsChallenge(h: Honnin, tenant: string, token: string, challengeId: string, code: string) {
  return h.gql.request(VERIFY_SMS_CHALLENGE, { tenant, token, variables: { input: { challengeId, code } } });
}

export interface DispatcherProcess {
  output(): string;
  /** SIGTERM, wait for exit; resolves to the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (`kill -9`), wait for exit. */
  kill(): Promise<void>;
  child: ChildProcess;
}

/**
 * The built SMS dispatcher alone (dist/apps/gateway/dispatcher.js), as a deployment with
 * SMS_DISPATCHER=off on its API replicas runs it. It must share the gateway's HONNIN_SECRET to open
 * the outbox bodies the gateway sealed. Resolves once it says it is running.
 */
export async function startDispatcherProcess(options: { databaseUrl: string; secret: string; readyTimeoutMs?: number }): Promise<DispatcherProcess> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: options.databaseUrl,
    HONNIN_SECRET: options.secret,
    HONNIN_DATA_DIR: mkdtempSync(join(tmpdir(), 'honnin-dispatcher-')),
  };
  const child = spawn(process.execPath, [join(WORKSPACE_ROOT, 'dist/apps/gateway/dispatcher.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (!output.includes('SMS dispatcher running')) {
    if (child.exitCode !== null) throw new Error(`dispatcher exited with ${child.exitCode}:\n${output.slice(-4000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`dispatcher not running in time:\n${output.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

// SMS provider routing, failover and credentials (sms-providers spec).

export const SMS_PROVIDERS = `{ smsProviders { id type position baseUrl sender countries credentialFields createdAt } }`;

/** A tenant with `providers` in this order, send limits raised as in createSmsTenant. */
export async function createTenantWithProviders(
  h: Honnin,
  providers: Record<string, unknown>[],
): Promise<{ slug: string; id: string; apiKey: string; providerIds: string[] }> {
  const tenant = await createTenant(h);
  const configured = await h.gql.request(CONFIGURE_SMS_PROVIDERS, { apiKey: tenant.apiKey, variables: { input: { providers } } });
  if (!configured.data) throw new Error(`configureSmsProviders failed: ${configured.raw}`);
  const limits = { sendsPerPhonePerHour: 100, sendsPerPhonePerDay: 1000, sendsPerUserPerHour: 100, sendsPerIpPerHour: 10_000 };
  const updated = await updatePolicy(h, tenant.apiKey, { limits });
  if (!updated.data) throw new Error(`updateTenantPolicy failed: ${updated.raw}`);
  return { ...tenant, providerIds: configured.data['configureSmsProviders'].map((p: { id: string }) => p.id) };
}

/** A random US number (+1 201 …) that libphonenumber takes as a valid fixed-line-or-mobile number. */
export function usMobile(): string {
  return `+1201${String(2_000_000 + randomInt(7_999_999))}`;
}

/** A random UK mobile number (+44 7400 and 6 digits). */
export function ukMobile(): string {
  return `+447400${String(100_000 + randomInt(899_999))}`;
}

/** A random French mobile number (+33 61 and 7 digits; not every +336 block is allocated, +3361 is). */
export function frMobile(): string {
  return `+3361${String(randomInt(10_000_000)).padStart(7, '0')}`;
}

/** Signs up a new user of `tenant` and starts enrolling `phoneNumber`: the user's session and the challenge id. */
export async function startEnrolment(h: Honnin, tenant: string, phoneNumber: string): Promise<{ token: string; challengeId: string }> {
  const token = await signUp(h, tenant, `user-${randomBytes(6).toString('hex')}@example.com`);
  const started = await startSmsChallenge(h, tenant, token, { purpose: 'ENROLL_PHONE', phoneNumber });
  if (!started.data) throw new Error(`startSmsChallenge failed: ${started.raw}`);
  return { token, challengeId: started.data['startSmsChallenge'].id };
}

/** Polls `probe` until it gives a value other than undefined; fails naming `what` after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface AuditEventSummary {
  outcome: string;
  createdAt: string;
  details: Record<string, unknown>;
}

/** The tenant's audit events of `type`, newest first, with their details parsed. */
export async function auditEventsOfType(h: Honnin, apiKey: string, type: string): Promise<AuditEventSummary[]> {
  const r = await h.gql.request(`query($type: String) { auditEvents(first: 100, filter: { type: $type }) { edges { node { outcome createdAt details } } } }`, {
    apiKey,
    variables: { type },
  });
  if (!r.data) throw new Error(`auditEvents failed: ${r.raw}`);
  return r.data['auditEvents'].edges.map((e: { node: { outcome: string; createdAt: string; details: string } }) => ({
    ...e.node,
    details: JSON.parse(e.node.details) as Record<string, unknown>,
  }));
}
