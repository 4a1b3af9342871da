// Postgres stopped (`pg_ctl stop -m fast`) and started again under the running gateway, on a private
// cluster so the shared one on 5432 is never touched. The gateway must answer every request during the
// outage with an honest error, quickly; come back by itself once the database does; and keep every
// challenge it said it had started.
import { GatewayProcess, GraphqlClient, startGatewayProcess, startWebhookReceiverFake, WebhookReceiverFake, withDatabase } from '@honnin/testing';
import { randomBytes } from 'node:crypto';
import {
  AUTHORIZE, createSmsTenant, eventually, Honnin, jpMobile, ME, signUp, START_SMS_CHALLENGE, startEnrolment, verifySmsChallenge,
} from '../support/honnin';
import { LoadSample, startLoad, tally } from './support/process-load';
import { BULK_SEND_LIMITS, codeOf, mapConcurrently, outboxRows, readChallenge } from './support/process-sms';
import { PrivatePostgres, reportMeasurement, startPrivatePostgres } from './support/processes';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CODE_LENGTH = 8;
const POLICY = {
  otp: { length: CODE_LENGTH, ttlSeconds: 600 },
  limits: BULK_SEND_LIMITS,
  actions: [{ action: 'payments.transfer', aal: 'AAL2', maxAgeSeconds: 300 }],
};
// The gateway's own deadline for a GraphQL request (GRAPHQL_LIMITS.requestTimeoutMs, 10 s): an outage
// answer may take that long, never longer. A little slack for a busy machine.
const GATEWAY_DEADLINE_MS = 10_000;
const HANG_BOUND_MS = GATEWAY_DEADLINE_MS + 2_000;
// How long after Postgres accepts connections again the gateway must be serving normally.
const RECOVERY_BOUND_MS = 15_000;
// sendsPerUserPerHour is at most 100: each client stays well under it however long the load runs.
const STARTS_PER_CLIENT = 60;
const CLIENTS = 4;

describe('Postgres restarted under the running gateway', () => {
  let pg: PrivatePostgres;
  let gateway: GatewayProcess;
  let h: Honnin;
  let receiver: WebhookReceiverFake;

  beforeAll(async () => {
    [pg, receiver] = await Promise.all([startPrivatePostgres(), startWebhookReceiverFake({ secret: `whsec-${randomBytes(16).toString('hex')}` })]);
    gateway = await startGatewayProcess({ databaseUrl: pg.url, env: { DATABASE_POOL_SIZE: '5' } });
    h = {
      db: { mode: 'postgres', url: pg.url, poolSize: 5, drop: async () => undefined },
      gateway,
      gql: new GraphqlClient(gateway.url),
      stop: async () => undefined,
    };
  }, 120_000);

  afterAll(async () => {
    try {
      if (gateway) await stopWithin(gateway, 15_000);
      await receiver?.close();
    } finally {
      await pg?.destroy();
    }
  }, 60_000);

  async function readyz(of: GatewayProcess = gateway): Promise<number> {
    try {
      return (await fetch(`${of.url}/readyz`, { signal: AbortSignal.timeout(HANG_BOUND_MS) })).status;
    } catch {
      return 0;
    }
  }

  function expectGatewayAlive(): void {
    expect({ exitCode: gateway.child.exitCode, signal: gateway.child.signalCode }).toEqual({ exitCode: null, signal: null });
  }

  /** The gateway's sessions waiting on LISTEN (the NOTIFY feed for policy changes and outbox wake-ups). */
  function listeningSessions(): Promise<number> {
    return withDatabase(pg.url, async (client) =>
      (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query ILIKE 'LISTEN %' AND pid <> pg_backend_pid()`)).rows[0]?.n ?? 0);
  }

  it('stopped under load: every request answered quickly with INTERNAL, service back without a restart, no started challenge lost', async () => {
    const t = await createSmsTenant(h, receiver, POLICY);
    const clients = await Promise.all(Array.from({ length: CLIENTS }, async (_, i) => ({
      token: await signUp(h, t.slug, `load-${i}-${randomBytes(4).toString('hex')}@example.com`),
      phone: jpMobile(),
      starts: 0,
    })));
    const signedIn = (client: number) => ({ tenant: t.slug, token: clients[client]?.token });
    const load = startLoad({
      gql: h.gql,
      clients: CLIENTS,
      paceMs: 150,
      answerTimeoutMs: 30_000,
      operations: {
        startSmsChallenge: (client, gql) => {
          const user = clients[client];
          if (!user || user.starts >= STARTS_PER_CLIENT) return null;
          user.starts += 1;
          return gql.request(START_SMS_CHALLENGE, { ...signedIn(client), variables: { input: { purpose: 'ENROLL_PHONE', phoneNumber: user.phone } } });
        },
        authorize: (client, gql) => gql.request(AUTHORIZE, { ...signedIn(client), variables: { action: 'payments.transfer' } }),
        me: (client, gql) => gql.request(ME, signedIn(client)),
      },
    });

    await sleep(3000);
    const stopping = Date.now();
    await pg.stop();
    const down = Date.now();
    const readyzDuringOutage: number[] = [];
    while (Date.now() - down < 5000) {
      readyzDuringOutage.push(await readyz());
      await sleep(250);
    }
    const starting = Date.now();
    await pg.start();
    const up = Date.now();
    const recoveredAt = await eventually('readyz and a signed-in request succeed again', async () => {
      const me = await h.gql.request(ME, signedIn(0));
      return (await readyz()) === 200 && me.data?.['me'] ? Date.now() : undefined;
    }, RECOVERY_BOUND_MS);
    await sleep(3000);
    const samples = await load.stop();

    expectGatewayAlive();
    const before = samples.filter((s) => s.endedAt < stopping);
    const outage = samples.filter((s) => s.startedAt >= down && s.endedAt < starting);
    const after = samples.filter((s) => s.startedAt >= recoveredAt);
    const summary = (list: LoadSample[]) => tally(list, (s) => `${s.operation}:${s.ok ? 'ok' : `${s.status}/${s.code}`}`);
    reportMeasurement('postgres-restart load', {
      before: summary(before), outage: summary(outage), after: summary(after),
      outageLatencyMaxMs: Math.max(...outage.map((s) => s.endedAt - s.startedAt)),
      outageLatencyMedianMs: median(outage.map((s) => s.endedAt - s.startedAt)),
      readyzDuringOutage: readyzDuringOutage.join(','),
      recoveredAfterPostgresUpMs: recoveredAt - up,
    });

    expect(before.filter((s) => !s.ok)).toEqual([]);
    expect(after.filter((s) => !s.ok)).toEqual([]);
    expect(new Set(outage.map((s) => s.operation))).toEqual(new Set(['startSmsChallenge', 'authorize', 'me']));
    // Never a dropped connection or a hang; never a false statement about the caller (UNAUTHENTICATED
    // would log a user out because the database blinked): the contract's honest answer is INTERNAL.
    expect(samples.filter((s) => s.status === 0)).toEqual([]);
    expect(Math.max(...samples.map((s) => s.endedAt - s.startedAt))).toBeLessThan(HANG_BOUND_MS);
    expect(tally(outage.filter((s) => !s.ok), (s) => s.code ?? 'none')).toEqual({ INTERNAL: outage.filter((s) => !s.ok).length });
    expect(outage.filter((s) => s.operation === 'startSmsChallenge' && s.ok)).toEqual([]);
    // Nothing of the failure's inside reaches the client: no driver error, address or SQL.
    expect(samples.filter((s) => /ECONN|connect|terminat|postgres|127\.0\.0\.1|SELECT|INSERT|UPDATE/i.test(s.message ?? ''))).toEqual([]);
    expect(readyzDuringOutage.filter((status) => status !== 503)).toEqual([]);

    // Every challenge the gateway said it started, whenever, exists, was sent under one outbox id, and verifies.
    const started = samples.filter((s) => s.operation === 'startSmsChallenge' && s.ok)
      .map((s) => ({ id: (s.data?.['startSmsChallenge'] as { id: string }).id, client: s.client }));
    expect(started.length).toBeGreaterThan(0);
    const rows = await eventually('every started challenge sent', async () => {
      const all = await outboxRows(pg.url, t.id);
      return all.length >= started.length && all.every((row) => row.status === 'SENT') ? all : undefined;
    }, 30_000);
    const rowOf = new Map(rows.map((row) => [row.challengeId, row]));
    expect(started.filter((s) => !rowOf.has(s.id))).toEqual([]);
    await eventually('every message reached the receiver', () => (started.every((s) => receiver.messages.some((m) => m.id === rowOf.get(s.id)?.id)) ? true : undefined), 10_000);
    const outcomes = await mapConcurrently(started, 4, async ({ id, client }) => {
      const token = clients[client]?.token ?? '';
      const read = await readChallenge(h, t.slug, token, id);
      const sms = receiver.messages.filter((m) => m.id === rowOf.get(id)?.id);
      const verified = await verifySmsChallenge(h, t.slug, token, id, codeOf(sms[0]?.body ?? '', CODE_LENGTH));
      return { id, status: read?.['status'], deliveryStatus: read?.['deliveryStatus'], copies: sms.length, aal: verified.data?.['verifySmsChallenge']?.session.aal ?? verified.code };
    });
    expect(outcomes.filter((o) => o.status !== 'PENDING' || o.deliveryStatus !== 'SENT' || o.copies < 1 || o.aal !== 'AAL2')).toEqual([]);
    reportMeasurement('postgres-restart challenges', { started: started.length, verified: outcomes.length, resentAfterOutage: outcomes.filter((o) => o.copies > 1).length });
  }, 150_000);

  it('after a restart the gateway listens for NOTIFY again (policy changes, outbox wake-ups)', async () => {
    // A gateway of its own: the one above may have lost its feed in an earlier outage already.
    const fresh = await startGatewayProcess({ databaseUrl: pg.url, env: { DATABASE_POOL_SIZE: '2' } });
    try {
      expect(await listeningSessions()).toBeGreaterThan(0);
      await pg.stop();
      await sleep(2000);
      await pg.start();
      await eventually('readyz answers 200 again', async () => ((await readyz(fresh)) === 200 ? true : undefined), RECOVERY_BOUND_MS);
      // The feed reconnects a second after it notices the loss; ten seconds is ample.
      await eventually('a LISTEN session on the restarted database', async () => ((await listeningSessions()) > 0 ? true : undefined), 10_000);
      expect({ exitCode: fresh.child.exitCode, signal: fresh.child.signalCode }).toEqual({ exitCode: null, signal: null });
    } finally {
      await stopWithin(fresh, 15_000);
    }
  }, 60_000);

  it('a send in flight when Postgres stops is sent again, under the same id, once the database is back', async () => {
    const t = await createSmsTenant(h, receiver, POLICY);
    const before = receiver.requests.length;
    // The provider takes 3 s to answer: the database goes away while the gateway waits for it.
    receiver.behave({ mode: 'ok', delayMs: 3000, times: 1 });
    const phone = jpMobile();
    const { token, challengeId } = await startEnrolment(h, t.slug, phone);
    await receiver.waitForRequest(before + 1, 10_000);
    await pg.stop();
    await sleep(4000);
    await pg.start();
    const up = Date.now();

    const [row] = await eventually('the message is recorded as sent', async () => {
      try {
        const found = await outboxRows(pg.url, t.id);
        return found[0]?.status === 'SENT' ? found : undefined;
      } catch {
        return undefined;
      }
    }, 40_000);
    const posts = receiver.messages.filter((m) => m.to === phone);
    expect(posts.map((m) => m.id)).toEqual([row?.id, row?.id]);
    expect(new Set(posts.map((m) => m.body)).size).toBe(1);
    expect(row).toMatchObject({ status: 'SENT', attempts: 2, bodyCleared: true });
    const verified = await verifySmsChallenge(h, t.slug, token, challengeId, codeOf(posts[0]?.body ?? '', CODE_LENGTH));
    expect(verified.data?.['verifySmsChallenge']?.session.aal).toBe('AAL2');
    expectGatewayAlive();
    reportMeasurement('postgres-restart in-flight send', { postedTimes: posts.length, sentAfterPostgresUpMs: Date.now() - up });
  }, 90_000);
});

/** SIGTERM; SIGKILL when it has not exited within `ms` (a gateway stuck on a dead database must not outlive the test). */
async function stopWithin(process: GatewayProcess, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  const outcome = await Promise.race([process.stop(), late]);
  clearTimeout(timer);
  if (outcome === 'late') process.kill();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
