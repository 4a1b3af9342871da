// The SMS dispatcher in its own process, killed with SIGKILL at the three moments that matter: before it
// claimed anything, while its sends wait for the provider, and after the provider took a message but
// before the outcome was written. No challenge may lose its SMS, and a message sent again must carry
// the same id (the receiver's idempotency key) and the same text.
import { dumpAllRows } from '@honnin/testing';
import { randomBytes } from 'node:crypto';
import {
  createSmsTenant, DispatcherProcess, eventually, Honnin, startDispatcherProcess, startHonnin, verifySmsChallenge,
} from '../support/honnin';
import {
  BULK_SEND_LIMITS, codeOf, containsNumber, DedupingReceiver, groupBy, OutboxRow, outboxRows, postedMessages, startDedupingReceiver,
  StartedEnrolment, startEnrolments,
} from './support/process-sms';
import { freeze, reportMeasurement } from './support/processes';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// 8 digits: a 6-digit number turns up by chance in the hex and timestamps of a table dump.
const CODE_LENGTH = 8;
const POLICY = { otp: { length: CODE_LENGTH }, limits: BULK_SEND_LIMITS };
// The dispatcher's lease (SmsDispatcher leaseMs, 15 s, not configurable) plus its 1 s poll and slack.
const LEASE_REDELIVERY_TIMEOUT_MS = 40_000;

describe('dispatcher killed with kill -9', () => {
  // The dispatcher opens the bodies the gateway sealed, so both get the same secret.
  const secret = randomBytes(32).toString('hex');
  let h: Honnin;
  const dispatchers: DispatcherProcess[] = [];
  const receivers: DedupingReceiver[] = [];

  beforeAll(async () => {
    h = await startHonnin({ SMS_DISPATCHER: 'off', HONNIN_SECRET: secret });
    if (h.db.mode !== 'postgres') throw new Error('dispatcher-crash needs a Postgres server: a second process cannot share the embedded database');
  });
  // Every dispatcher serves every tenant: one left running would send the next test's messages.
  // SIGKILL also ends a frozen process, which would never act on a SIGTERM.
  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map((d) => d.kill()));
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function dispatcher(): Promise<DispatcherProcess> {
    const started = await startDispatcherProcess({ databaseUrl: h.db.url, secret });
    dispatchers.push(started);
    return started;
  }

  async function receiver(beforeAnswer?: Parameters<typeof startDedupingReceiver>[0]['beforeAnswer']): Promise<DedupingReceiver> {
    const started = await startDedupingReceiver({ secret: `whsec-${randomBytes(16).toString('hex')}`, beforeAnswer });
    receivers.push(started);
    return started;
  }

  /** Waits until no outbox row of the tenant is PENDING; the rows then. */
  function settledOutbox(tenantId: string, timeoutMs: number): Promise<OutboxRow[]> {
    return eventually('every outbox row settled', async () => {
      const rows = await outboxRows(h.db.url, tenantId);
      return rows.every((row) => row.status !== 'PENDING') ? rows : undefined;
    }, timeoutMs);
  }

  /**
   * The end state every scenario must reach: one SENT row per challenge with its body cleared, one
   * handset delivery per row under the row's id to the challenge's phone, every copy posted of a
   * message identical, every code accepted, and no code in clear in any table or process output.
   */
  async function expectEachChallengeDeliveredOnce(challenges: StartedEnrolment[], rows: OutboxRow[], sms: DedupingReceiver, tenant: string): Promise<void> {
    expect(rows).toHaveLength(challenges.length);
    expect(rows.filter((row) => row.status !== 'SENT' || !row.bodyCleared)).toEqual([]);
    const rowOf = new Map(rows.map((row) => [row.challengeId, row]));
    const deliveredById = groupBy(sms.delivered, (post) => post.id);
    expect(new Set(sms.posts.map((post) => post.id)).size).toBe(challenges.length);
    for (const [id, copies] of groupBy(sms.posts, (post) => post.id)) {
      expect({ id, texts: new Set(copies.map((copy) => `${copy.to} ${copy.body}`)).size }).toEqual({ id, texts: 1 });
    }
    const codes: string[] = [];
    for (const challenge of challenges) {
      const row = rowOf.get(challenge.challengeId);
      const delivered = deliveredById.get(row?.id ?? 'no row') ?? [];
      expect({ challenge: challenge.challengeId, deliveries: delivered.length, to: delivered[0]?.to }).toEqual({ challenge: challenge.challengeId, deliveries: 1, to: challenge.phone });
      const code = codeOf(delivered[0]?.body ?? '', CODE_LENGTH);
      codes.push(code);
      const verified = await verifySmsChallenge(h, tenant, challenge.token, challenge.challengeId, code);
      expect({ challenge: challenge.challengeId, aal: verified.data?.['verifySmsChallenge']?.session.aal ?? verified.code }).toEqual({ challenge: challenge.challengeId, aal: 'AAL2' });
    }
    const dump = await dumpAllRows(h.db.url);
    const outputs = [h.gateway.output(), ...dispatchers.map((d) => d.output())].join('\n');
    expect(codes.filter((code) => containsNumber(dump, code) || containsNumber(outputs, code))).toEqual([]);
  }

  it('killed after the challenges committed and before it sent any: a new dispatcher sends each message once, under its outbox id', async () => {
    const sms = await receiver();
    const t = await createSmsTenant(h, sms, POLICY);
    const first = await dispatcher();
    const early = await startEnrolments(h, t.slug, 5);
    await eventually('the first dispatcher sends the first 5', async () => {
      const rows = await outboxRows(h.db.url, t.id);
      return rows.filter((row) => row.status === 'SENT').length === 5 ? true : undefined;
    }, 15_000);

    // Frozen, the dispatcher holds its connections and its NOTIFY queue but claims nothing.
    freeze(first.child);
    const late = await startEnrolments(h, t.slug, 35);
    await first.kill();
    const waiting = (await outboxRows(h.db.url, t.id)).filter((row) => row.status === 'PENDING');
    expect(waiting.map((row) => ({ attempts: row.attempts, claimedUntil: row.claimedUntil, bodyCleared: row.bodyCleared })))
      .toEqual(Array(35).fill({ attempts: 0, claimedUntil: null, bodyCleared: false }));
    expect(sms.posts).toHaveLength(5);

    const restartedAt = Date.now();
    await dispatcher();
    const rows = await settledOutbox(t.id, 20_000);
    const allSentAfterMs = Date.now() - restartedAt;
    // One poll interval later, a duplicate would have shown.
    await sleep(1500);
    expect(rows.map((row) => row.attempts)).toEqual(Array(40).fill(1));
    expect(sms.posts).toHaveLength(40);
    await expectEachChallengeDeliveredOnce([...early, ...late], rows, sms, t.slug);
    reportMeasurement('dispatcher-crash before send', { challenges: 40, waitingAtKill: waiting.length, allSentAfterRestartMs: allSentAfterMs });
  }, 90_000);

  it('killed while its sends wait for the provider: the unclaimed are sent at once, the in-flight ones again after the lease, under the same id', async () => {
    const sms = await receiver();
    const t = await createSmsTenant(h, sms, POLICY);
    const first = await dispatcher();
    // Started while the dispatcher is frozen, the challenges are claimed when it thaws: more of them than
    // the 100 sends it keeps on their way, so the rest wait unclaimed.
    const thaw = freeze(first.child);
    const challenges = await startEnrolments(h, t.slug, 130);
    sms.behave({ mode: 'ok', hang: true });
    thaw();

    // The claimed are posted at once; wait until they stop growing, well inside the provider's 5 s timeout.
    let seen = { count: 0, since: Date.now() };
    await eventually('the posts in flight stop growing', () => {
      const count = sms.requests.length;
      if (count !== seen.count) seen = { count, since: Date.now() };
      return count > 0 && Date.now() - seen.since >= 750 ? true : undefined;
    }, 10_000);
    await first.kill();
    const killedAt = Date.now();
    sms.resetBehaviour();

    const hung = postedMessages(sms);
    const hungIds = new Set(hung.map((post) => post.id));
    const atKill = await outboxRows(h.db.url, t.id);
    const claimed = atKill.filter((row) => row.claimedUntil !== null);
    expect(hungIds.size).toBe(hung.length);
    expect(hung.length).toBeLessThan(challenges.length);
    expect(claimed.map((row) => row.id).sort()).toEqual([...hungIds].sort());
    expect(claimed.every((row) => row.status === 'PENDING' && row.attempts === 1 && !row.bodyCleared)).toBe(true);
    const leaseEnd = Math.max(...claimed.map((row) => (row.claimedUntil as Date).getTime()));

    await dispatcher();
    const rows = await settledOutbox(t.id, LEASE_REDELIVERY_TIMEOUT_MS);
    const recoveredAfterMs = Date.now() - killedAt;
    await sleep(1500);

    const postsById = groupBy(postedMessages(sms), (post) => post.id);
    for (const row of rows) {
      const expected = hungIds.has(row.id) ? 2 : 1;
      expect({ id: row.id, posts: postsById.get(row.id)?.length, attempts: row.attempts }).toEqual({ id: row.id, posts: expected, attempts: expected });
    }
    // The second dispatcher sent what nobody had claimed without waiting, and left the dead one's
    // claims alone until their lease ran out.
    const neverClaimed = sms.posts.filter((post) => !hungIds.has(post.id));
    const redeliveries = sms.posts.filter((post) => hungIds.has(post.id));
    expect(neverClaimed).toHaveLength(challenges.length - hungIds.size);
    expect(Math.max(...neverClaimed.map((post) => post.at))).toBeLessThan(leaseEnd);
    expect(redeliveries).toHaveLength(hungIds.size);
    expect(Math.min(...redeliveries.map((post) => post.at))).toBeGreaterThanOrEqual(leaseEnd);
    // A hung post and its redelivery carry the same text: deduplicating by id loses nothing.
    for (const post of redeliveries) expect(hung.find((original) => original.id === post.id)).toEqual({ id: post.id, to: post.to, body: post.body });
    await expectEachChallengeDeliveredOnce(challenges, rows, sms, t.slug);
    reportMeasurement('dispatcher-crash mid-send', {
      challenges: challenges.length, inFlightAtKill: hungIds.size, lastRedeliveryAfterKillMs: recoveredAfterMs,
      leaseLeftAtKillMs: leaseEnd - killedAt,
    });
  }, 120_000);

  it('killed after the provider accepted and before the outcome was recorded: posted again after the lease under the same id, delivered once', async () => {
    let sender: DispatcherProcess | null = null;
    // The first post freezes the dispatcher before it reads the answer: the provider has the message,
    // the outbox still says PENDING.
    const sms = await receiver(() => {
      if (sender) freeze(sender.child);
      sender = null;
    });
    const t = await createSmsTenant(h, sms, POLICY);
    const first = await dispatcher();
    const thaw = freeze(first.child);
    const challenges = await startEnrolments(h, t.slug, 6);
    sender = first;
    thaw();
    await eventually('the provider answered a first post', () => (sms.posts.length > 0 ? true : undefined), 10_000);
    await first.kill();
    const killedAt = Date.now();
    const atKill = await outboxRows(h.db.url, t.id);
    expect(atKill.map((row) => ({ status: row.status, attempts: row.attempts }))).toEqual(Array(challenges.length).fill({ status: 'PENDING', attempts: 1 }));
    const leaseEnd = Math.max(...atKill.map((row) => (row.claimedUntil as Date).getTime()));

    await dispatcher();
    const rows = await settledOutbox(t.id, LEASE_REDELIVERY_TIMEOUT_MS);
    await sleep(1500);
    // Before the lease ended only the killed dispatcher posted; after it, the new one posted each message once.
    const byKilled = sms.posts.filter((post) => post.at < leaseEnd);
    const byNew = sms.posts.filter((post) => post.at >= leaseEnd);
    expect(byKilled.length).toBeGreaterThan(0);
    expect(new Set(byKilled.map((post) => post.id)).size).toBe(byKilled.length);
    expect(byNew.map((post) => post.id).sort()).toEqual(rows.map((row) => row.id).sort());
    expect(rows.map((row) => row.attempts)).toEqual(Array(challenges.length).fill(2));
    await expectEachChallengeDeliveredOnce(challenges, rows, sms, t.slug);
    reportMeasurement('dispatcher-crash after provider accepted', {
      challenges: challenges.length, acceptedBeforeKill: byKilled.length, postsTotal: sms.posts.length, settledAfterKillMs: Date.now() - killedAt,
    });
  }, 120_000);
});
