import { codeInBody, WebhookReceiverFake, withDatabase } from '@honnin/testing';
import { randomBytes } from 'node:crypto';
import {
  CONFIGURE_SMS_PROVIDERS, createTenant, eventually, Honnin, LOGIN, ME, SIGN_UP, startSmsChallenge, ukMobile, updatePolicy, verifySmsChallenge,
} from '../../support/honnin';

/** The policy's maxima for the send and login counters: the setup sends from 127.0.0.1 for both tenants. */
const ISOLATION_LIMITS = {
  sendsPerPhonePerHour: 100, sendsPerPhonePerDay: 1000, sendsPerUserPerHour: 100, sendsPerIpPerHour: 10_000,
  sendsPerTenantPerHour: 1_000_000, sendsPerTenantPerDay: 10_000_000, prefixBurstMinimum: 100_000,
  verifyFailuresPerUserPerHour: 100, loginFailuresPerAccount: 100, loginFailuresPerIpPerHour: 100_000,
};

/** One tenant with something of every kind the API can name: users, sessions, a challenge, keys, a provider, policy, audit. */
export interface IsolationTenant {
  label: string;
  slug: string;
  id: string;
  adminKey: string;
  adminKeyId: string;
  readerKey: string;
  readerKeyId: string;
  providerId: string;
  /** The WEBHOOK provider's URL, different per tenant. */
  providerUrl: string;
  appName: string;
  /** An action only this tenant's policy names (AAL2 within 120 s). */
  action: string;
  policyVersion: number;
  user: { id: string; loginId: string; password: string; phone: string; maskedPhone: string; token: string; sessionId: string };
  /** A second user, without a phone. */
  other: { id: string; loginId: string; token: string };
  /** A pending step-up of `user`, started from `user.token`, and the code it sent. */
  challenge: { id: string; code: string };
  /** The tenant's newest audit event as an `after` cursor. */
  newestAuditCursor: string;
  /** The country calling code held by the SMS pumping defence, if one was made to trip. */
  heldPrefix: string | null;
}

export interface TenantSpec {
  label: string;
  appName: string;
  phone: string;
  /** Trip the pumping defence on +44 with sends of the second user. */
  holdUk: boolean;
}

/**
 * Builds a tenant through the public API as its users and administrator would, then waits until the
 * dispatcher has sent every message it queued, so nothing of the tenant changes afterwards by itself.
 */
export async function buildIsolationTenant(h: Honnin, receiver: WebhookReceiverFake, spec: TenantSpec): Promise<IsolationTenant> {
  const created = await createTenant(h, `${spec.label}-${randomBytes(4).toString('hex')}`);
  const providerUrl = `${receiver.url}/${spec.label}-sms`;
  const configured = await h.gql.request(CONFIGURE_SMS_PROVIDERS, {
    apiKey: created.apiKey,
    variables: { input: { providers: [{ type: 'WEBHOOK', baseUrl: providerUrl, credentials: { secret: receiver.secret } }] } },
  });
  if (!configured.data) throw new Error(`configureSmsProviders failed: ${configured.raw}`);
  const action = `${spec.label}.wire_transfer`;
  const policy = await updatePolicy(h, created.apiKey, {
    limits: ISOLATION_LIMITS,
    messages: { appName: spec.appName },
    actions: [{ action, aal: 'AAL2', maxAgeSeconds: 120 }],
  });
  if (!policy.data) throw new Error(`updateTenantPolicy failed: ${policy.raw}`);

  const password = `${spec.label} passphrase ${randomBytes(6).toString('hex')}`;
  const loginId = `${spec.label}-owner-${randomBytes(4).toString('hex')}@example.com`;
  const up = await h.gql.request(SIGN_UP.replace('user { id loginId }', 'user { id loginId } smsChallenge { id }'), {
    tenant: created.slug, variables: { input: { loginId, password, phoneNumber: spec.phone } },
  });
  if (!up.data) throw new Error(`signUp failed: ${up.raw}`);
  const enrolCode = codeInBody((await receiver.next(spec.phone, 10_000)).body) ?? '';
  const enrolled = await verifySmsChallenge(h, created.slug, up.data['signUp'].sessionToken, up.data['signUp'].smsChallenge.id, enrolCode);
  if (!enrolled.data) throw new Error(`enrolment failed: ${enrolled.raw}`);
  const loggedIn = await h.gql.request(LOGIN, { tenant: created.slug, variables: { input: { loginId, password } } });
  if (!loggedIn.data) throw new Error(`login failed: ${loggedIn.raw}`);
  const token: string = loggedIn.data['login'].sessionToken;
  const me = await h.gql.request(ME, { tenant: created.slug, token });

  const otherLoginId = `${spec.label}-second-${randomBytes(4).toString('hex')}@example.com`;
  const second = await h.gql.request(SIGN_UP, { tenant: created.slug, variables: { input: { loginId: otherLoginId, password } } });
  if (!second.data) throw new Error(`second signUp failed: ${second.raw}`);
  const other = { id: second.data['signUp'].user.id, loginId: otherLoginId, token: second.data['signUp'].sessionToken };

  const started = await startSmsChallenge(h, created.slug, token, { purpose: 'STEP_UP' });
  if (!started.data) throw new Error(`startSmsChallenge failed: ${started.raw}`);
  const code = codeInBody((await receiver.next(spec.phone, 10_000)).body) ?? '';

  const reader = await h.gql.request(`mutation { createApiKey(input: { name: "reader", scopes: ["policy:read", "audit:read"] }) { key apiKey { id } } }`, { apiKey: created.apiKey });
  if (!reader.data) throw new Error(`createApiKey failed: ${reader.raw}`);

  let heldPrefix: string | null = null;
  if (spec.holdUk) {
    // A burst of enrolments to +44 past a minimum of 1 send per 10 minutes trips the hold.
    const lowered = await updatePolicy(h, created.apiKey, { limits: { ...ISOLATION_LIMITS, prefixBurstMinimum: 1 } });
    if (!lowered.data) throw new Error(`updateTenantPolicy failed: ${lowered.raw}`);
    for (let i = 0; i < 5 && heldPrefix === null; i++) {
      const sent = await startSmsChallenge(h, created.slug, other.token, { purpose: 'ENROLL_PHONE', phoneNumber: ukMobile() });
      if (sent.code === 'RATE_LIMITED') heldPrefix = '+44';
    }
    if (heldPrefix === null) throw new Error('the +44 hold did not trip');
    const restored = await updatePolicy(h, created.apiKey, { limits: ISOLATION_LIMITS });
    if (!restored.data) throw new Error(`updateTenantPolicy failed: ${restored.raw}`);
  }

  await eventually(
    `every message of ${spec.label} handed to the provider`,
    async () => ((await pendingMessages(h, created.id)) === 0 ? true : undefined),
    15_000,
  );
  const ids = await withDatabase(h.db.url, async (c) => ({
    adminKeyId: (await c.query(`SELECT id FROM api_keys WHERE tenant_id = $1 AND name = 'admin'`, [created.id])).rows[0].id as string,
    sessionId: (await c.query(`SELECT id FROM sessions WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1`, [created.id, up.data?.['signUp'].user.id])).rows[0].id as string,
    newestAuditId: (await c.query(`SELECT max(id)::text AS id FROM audit_events WHERE tenant_id = $1`, [created.id])).rows[0].id as string,
    policyVersion: (await c.query(`SELECT max(version) AS v FROM tenant_policy_versions WHERE tenant_id = $1`, [created.id])).rows[0].v as number,
  }));
  return {
    label: spec.label,
    slug: created.slug,
    id: created.id,
    adminKey: created.apiKey,
    adminKeyId: ids.adminKeyId,
    readerKey: reader.data['createApiKey'].key,
    readerKeyId: reader.data['createApiKey'].apiKey.id,
    providerId: configured.data['configureSmsProviders'][0].id,
    providerUrl,
    appName: spec.appName,
    action,
    policyVersion: ids.policyVersion,
    user: { id: up.data['signUp'].user.id, loginId, password, phone: spec.phone, maskedPhone: me.data?.['me'].user.maskedPhoneNumber, token, sessionId: ids.sessionId },
    other,
    challenge: { id: started.data['startSmsChallenge'].id, code },
    newestAuditCursor: Buffer.from(`audit:${ids.newestAuditId}`).toString('base64url'),
    heldPrefix,
  };
}

async function pendingMessages(h: Honnin, tenantId: string): Promise<number> {
  return withDatabase(h.db.url, async (c) => (await c.query(`SELECT count(*)::int AS n FROM sms_outbox WHERE tenant_id = $1 AND status = 'PENDING'`, [tenantId])).rows[0].n);
}

/**
 * Everything of `tenant` that must never appear in an answer to another tenant's caller: ids, names,
 * secrets, its masked phone number, its policy's own values and its provider's URL.
 */
export function markersOf(tenant: IsolationTenant): string[] {
  return [
    tenant.slug, tenant.id, tenant.adminKey, tenant.adminKeyId, tenant.readerKey, tenant.readerKeyId, tenant.providerId, tenant.providerUrl,
    tenant.appName, tenant.action, tenant.user.id, tenant.user.loginId, tenant.user.maskedPhone, tenant.user.token, tenant.user.sessionId,
    tenant.other.id, tenant.other.loginId, tenant.other.token, tenant.challenge.id, tenant.newestAuditCursor,
  ];
}
