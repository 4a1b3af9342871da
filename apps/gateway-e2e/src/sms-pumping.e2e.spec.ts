import { startWebhookReceiverFake, WebhookReceiverFake, withDatabase } from '@honnin/testing';
import {
  auditEventsOfType, createSmsTenant, eventually, Honnin, jpMobile, POLICY_FIELDS, signUp, startHonnin, startSmsChallenge, ukMobile,
} from './support/honnin';

const HOLDS = `{ smsPrefixHolds { prefix heldAt expiresAt count threshold liftedAt } }`;
const LIFT = `mutation($prefix: String!) { liftSmsPrefixHold(prefix: $prefix) { prefix heldAt count threshold liftedAt } }`;
const CREATE_API_KEY = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }`;
const BUCKET_MS = 600_000;

/** The burst must fall in one 10-minute bucket: if one ends within 30 s, start in the next. */
async function awayFromBucketEdge(): Promise<void> {
  const left = BUCKET_MS - (Date.now() % BUCKET_MS);
  if (left < 30_000) await new Promise((r) => setTimeout(r, left + 1000));
}

describe('SMS pumping defence over HTTP', () => {
  let h: Honnin;
  let receiver: WebhookReceiverFake;

  beforeAll(async () => {
    [h, receiver] = await Promise.all([startHonnin(), startWebhookReceiverFake({ secret: 'whsec-sms-pumping-e2e-0123456789' })]);
  });
  afterAll(async () => {
    await receiver?.close();
    await h?.stop();
  });

  async function queuedTo(tenantId: string, prefix: string): Promise<number> {
    return withDatabase(h.db.url, async (c) => (await c.query(`SELECT count(*)::int AS n FROM sms_outbox WHERE tenant_id = $1 AND to_e164 LIKE $2`, [tenantId, `${prefix}%`])).rows[0].n);
  }

  it('a burst to +44 is held past the threshold, no SMS goes out for it, +81 continues; the admin sees and lifts the hold, audited', async () => {
    const t = await createSmsTenant(h, receiver, { limits: { sendsPerPhonePerHour: 100, sendsPerPhonePerDay: 1000, sendsPerUserPerHour: 100, sendsPerIpPerHour: 10_000, prefixBurstMinimum: 4 } });
    const policy = await h.gql.request(`{ tenantPolicy { ${POLICY_FIELDS} } }`, { apiKey: t.apiKey });
    expect(policy.data?.['tenantPolicy']).toMatchObject({
      limits: { prefixBurstMinimum: 4, prefixBurstFactor: 10, sendsPerTenantPerDay: 10_000 },
      phone: { allowedHighRiskPrefixes: [] },
    });
    const token = await signUp(h, t.slug, 'sender@example.com');
    const send = async (phone: string) => {
      const r = await startSmsChallenge(h, t.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: phone });
      return r.code ? { code: r.code, retryAfterSeconds: r.errors?.[0]?.extensions?.['retryAfterSeconds'] } : { code: 'OK' };
    };
    await awayFromBucketEdge();

    const home = [jpMobile(), jpMobile(), jpMobile()];
    for (const phone of home) expect(await send(phone)).toEqual({ code: 'OK' });
    const sentAbroad = [ukMobile(), ukMobile(), ukMobile(), ukMobile()];
    for (const phone of sentAbroad) expect(await send(phone)).toEqual({ code: 'OK' });
    const heldAbroad = [ukMobile(), ukMobile(), ukMobile()];
    for (const phone of heldAbroad) expect(await send(phone)).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 3600 });
    const afterHold = jpMobile();
    expect(await send(afterHold)).toEqual({ code: 'OK' });

    // Every SMS that was let through arrives (the last one after the hold); none for the held sends.
    for (const phone of [...home, ...sentAbroad, afterHold]) await receiver.next(phone);
    expect(receiver.messages.filter((m) => heldAbroad.includes(m.to))).toEqual([]);
    expect(await queuedTo(t.id, '+44')).toBe(4);

    const holds = await h.gql.request(HOLDS, { apiKey: t.apiKey });
    expect(holds.data?.['smsPrefixHolds']).toEqual([{ prefix: '+44', heldAt: expect.any(String), expiresAt: expect.any(String), count: 5, threshold: 4, liftedAt: null }]);
    const [hold] = holds.data?.['smsPrefixHolds'] ?? [];
    expect(Date.parse(hold.expiresAt) - Date.parse(hold.heldAt)).toBe(86_400_000);
    expect((await auditEventsOfType(h, t.apiKey, 'sms_pumping.hold')).map((e) => e.details)).toEqual([{ prefix: '+44', count: 5, baseline: 0, threshold: 4 }]);
    const metrics = await (await fetch(`${h.gateway.url}/metrics`)).text();
    expect(metrics).toContain(`honnin_sms_prefix_holds_total{tenant="${t.id}",prefix="+44"} 1`);

    // Lifting needs policy:write; a policy:read key sees the holds but cannot lift them.
    const readOnly = await h.gql.request(CREATE_API_KEY, { apiKey: t.apiKey, variables: { input: { name: 'viewer', scopes: ['policy:read'] } } });
    const readKey: string = readOnly.data?.['createApiKey'].key;
    expect((await h.gql.request(HOLDS, { apiKey: readKey })).data?.['smsPrefixHolds']).toHaveLength(1);
    expect((await h.gql.request(LIFT, { apiKey: readKey, variables: { prefix: '+44' } })).code).toBe('FORBIDDEN');
    expect((await h.gql.request(LIFT, { apiKey: t.apiKey, variables: { prefix: '+81' } })).code).toBe('BAD_USER_INPUT');

    const lifted = await h.gql.request(LIFT, { apiKey: t.apiKey, variables: { prefix: '+44' } });
    expect(lifted.data?.['liftSmsPrefixHold']).toMatchObject({ prefix: '+44', count: 5, threshold: 4, liftedAt: expect.any(String) });
    const [liftedEvent] = await auditEventsOfType(h, t.apiKey, 'sms_pumping.lifted');
    expect(liftedEvent).toMatchObject({ outcome: 'success', details: { prefix: '+44', count: 5, threshold: 4 } });

    // Exempt for an hour: the bucket is over its threshold, yet the send goes out and the SMS arrives.
    const afterLift = ukMobile();
    expect(await send(afterLift)).toEqual({ code: 'OK' });
    expect((await receiver.next(afterLift)).to).toBe(afterLift);
    expect((await h.gql.request(HOLDS, { apiKey: t.apiKey })).data?.['smsPrefixHolds'][0].liftedAt).toEqual(expect.any(String));
    const tripped = await eventually('rate_limit.tripped events for the held sends', async () => {
      const events = await auditEventsOfType(h, t.apiKey, 'rate_limit.tripped');
      return events.length >= 3 ? events : undefined;
    });
    expect(tripped.every((e) => e.details['key'] === 'prefix' && e.details['prefix'] === '+44')).toBe(true);
  });

  it('a satellite number is refused by default (BLOCKED_PREFIX) and accepted once the tenant allows its prefix', async () => {
    const t = await createSmsTenant(h, receiver);
    const token = await signUp(h, t.slug, 'sat@example.com');
    const iridium = '+881612345678';
    const refused = await startSmsChallenge(h, t.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: iridium });
    expect(refused.errors?.[0]?.extensions).toEqual({ code: 'PHONE_NOT_ALLOWED', reason: 'BLOCKED_PREFIX' });
    const allowed = await h.gql.request(`mutation($input: TenantPolicyInput!) { updateTenantPolicy(input: $input) { phone { allowedHighRiskPrefixes } } }`, {
      apiKey: t.apiKey, variables: { input: { phone: { allowedHighRiskPrefixes: ['+881'] } } },
    });
    expect(allowed.data?.['updateTenantPolicy']).toEqual({ phone: { allowedHighRiskPrefixes: ['+881'] } });
    expect((await startSmsChallenge(h, t.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: iridium })).code).toBeUndefined();
    expect((await receiver.next(iridium)).to).toBe(iridium);
    const outside = await h.gql.request(`mutation($input: TenantPolicyInput!) { updateTenantPolicy(input: $input) { version } }`, {
      apiKey: t.apiKey, variables: { input: { phone: { allowedHighRiskPrefixes: ['+44'] }, limits: { prefixBurstFactor: 1 } } },
    });
    expect(outside.errors?.[0]?.extensions?.['fields']).toEqual([
      { field: 'phone.allowedHighRiskPrefixes[0]', message: expect.stringContaining('high-risk calling codes') },
      { field: 'limits.prefixBurstFactor', message: 'must be an integer from 2 to 1000' },
    ]);
  });
});
