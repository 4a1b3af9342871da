import { GatewayProcess, GraphqlClient, startGatewayProcess, startWebhookReceiverFake, WebhookReceiverFake, withDatabase } from '@honnin/testing';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  createSmsTenant, createTenant, Honnin, jpMobile, LOGIN, PASSWORD, signUp, startHonnin, startSmsChallenge, updatePolicy,
} from './support/honnin';

const REDIS_URL = 'redis://127.0.0.1:6379';
const redisAnswers =
  spawnSync(process.execPath, ['-e', "require('net').connect(6379, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"], { timeout: 3000 }).status === 0;
if (!redisAnswers) console.error(`rate-limits.e2e: Redis at ${REDIS_URL} does not answer; the REDIS_URL variant is skipped`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const variants: [string, Record<string, string>, boolean][] = [
  ['the database', {}, true],
  ['Redis (REDIS_URL)', { REDIS_URL }, redisAnswers],
];

describe.each(variants)('rate limits shared by two gateway processes through %s', (_name, env, available) => {
  (available ? describe : describe.skip)('two replicas', () => {
    // Replicas share HONNIN_SECRET (DESIGN §7); the counters' keys are derived from it.
    const shared = { ...env, HONNIN_SECRET: randomBytes(32).toString('hex') };
    let h: Honnin;
    let b: GatewayProcess;
    let gqlB: GraphqlClient;
    let receiver: WebhookReceiverFake;
    const webhookSecret = `whsec-${randomBytes(16).toString('hex')}`;

    beforeAll(async () => {
      [h, receiver] = await Promise.all([startHonnin(shared), startWebhookReceiverFake({ secret: webhookSecret })]);
      b = await startGatewayProcess({ databaseUrl: h.db.url, env: { DATABASE_POOL_SIZE: String(h.db.poolSize), ...shared } });
      gqlB = new GraphqlClient(b.url);
    });
    afterAll(async () => {
      await b?.stop();
      await receiver?.close();
      await h?.stop();
    });

    it('sends through A and B together are cut at the per-phone limit; nothing more is queued', async () => {
      const tenant = await createSmsTenant(h, { endpoint: receiver.endpoint, secret: webhookSecret }, { limits: { sendsPerPhonePerHour: 4 } });
      const phone = jpMobile();
      const answers: (string | undefined)[] = [];
      for (let i = 0; i < 8; i++) {
        const token = await signUp(h, tenant.slug, `sender-${i}-${randomBytes(3).toString('hex')}@example.com`);
        const through = i % 2 ? gqlB : h.gql;
        const started = await through.request(`mutation($input: StartSmsChallengeInput!) { startSmsChallenge(input: $input) { id } }`, {
          tenant: tenant.slug, token, variables: { input: { purpose: 'ENROLL_PHONE', phoneNumber: phone } },
        });
        answers.push(started.code ?? 'OK');
        if (started.code) expect(started.errors?.[0]?.extensions?.['retryAfterSeconds']).toBeGreaterThan(3500);
      }
      expect(answers).toEqual(['OK', 'OK', 'OK', 'OK', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
      const queued = await withDatabase(h.db.url, async (c) => (await c.query(`SELECT count(*)::int AS n FROM sms_outbox WHERE tenant_id = $1`, [tenant.id])).rows[0].n);
      expect(queued).toBe(4);
      // Another number of the same tenant is unaffected.
      const token = await signUp(h, tenant.slug, `other-${randomBytes(3).toString('hex')}@example.com`);
      expect((await startSmsChallenge(h, tenant.slug, token, { purpose: 'ENROLL_PHONE', phoneNumber: jpMobile() })).code).toBeUndefined();
    });

    it('login failures through A and B count together: the 11th is RATE_LIMITED on either', async () => {
      const tenant = await createTenant(h);
      await signUp(h, tenant.slug, 'target@example.com');
      const codes: (string | undefined)[] = [];
      for (let i = 0; i < 11; i++) {
        const through = i % 2 ? gqlB : h.gql;
        codes.push((await through.request(LOGIN, { tenant: tenant.slug, variables: { input: { loginId: 'target@example.com', password: `wrong password ${i} …` } } })).code);
      }
      expect(codes).toEqual([...Array.from({ length: 10 }, () => 'INVALID_CREDENTIALS'), 'RATE_LIMITED']);
    });

    it('unknown and known ids (wrong password) take the same time: medians within 20 %', async () => {
      const tenant = await createTenant(h);
      const updated = await updatePolicy(h, tenant.apiKey, { limits: { loginFailuresPerIpPerHour: 10_000 } });
      expect(updated.code).toBeUndefined();
      const known = Array.from({ length: 50 }, (_, i) => `known-${i}@example.com`);
      for (const loginId of known) await signUp(h, tenant.slug, loginId, PASSWORD);
      const timed = async (loginId: string) => {
        const started = performance.now();
        const r = await h.gql.request(LOGIN, { tenant: tenant.slug, variables: { input: { loginId, password: 'a wrong password of some length' } } });
        expect(r.code).toBe('INVALID_CREDENTIALS');
        return performance.now() - started;
      };
      // Warm both paths, then alternate so drift in machine load hits both alike.
      await timed(known[0]);
      await timed('warm-up@example.com');
      const knownMs: number[] = [];
      const unknownMs: number[] = [];
      for (let i = 0; i < 50; i++) {
        knownMs.push(await timed(known[i]));
        unknownMs.push(await timed(`unknown-${i}@example.com`));
      }
      const [k, u] = [median(knownMs), median(unknownMs)];
      process.stdout.write(`rate-limits.e2e (${_name}): median login known ${k.toFixed(1)} ms, unknown ${u.toFixed(1)} ms, difference ${((Math.abs(k - u) / Math.max(k, u)) * 100).toFixed(1)} %\n`);
      expect(Math.abs(k - u) / Math.max(k, u)).toBeLessThanOrEqual(0.2);
    });
  });
});
