import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase, waitFor } from '@honnin/testing';
import { Database, isUniqueViolation } from './database';
import { SmsChallengeEntity } from './entities';
import { auditInsert, NewAuditEvent } from './repositories/audit-event.repository';
import { ChallengeCompletion } from './repositories/challenge-completion';
import { AttemptCount, challengeInsert } from './repositories/sms-challenge.repository';
import { sessionInsert } from './repositories/session.repository';

/**
 * The statements of the hot paths that callers arriving together share (Batcher): each caller must get
 * exactly what it would have got alone, and one caller's failure must stay its own.
 */
describe('statements shared by concurrent callers', () => {
  let testDb: TestDatabase;
  let db: Database;
  let tenantId: string;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await Database.open({ url: testDb.url, poolSize: testDb.poolSize });
    await db.migrate();
    const tenant = await db.store.tenants.create('batched', 'Batched');
    if (!tenant) throw new Error('tenant not created');
    tenantId = tenant.id;
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  const now = new Date('2026-12-07T10:00:00.123Z');
  const event = (type: string, details: Record<string, unknown> = {}): NewAuditEvent => ({
    tenantId, type, outcome: 'success', userId: null, sessionId: null, apiKeyId: null, ip: null, userAgent: null, details, createdAt: now,
  });
  const newUser = async (loginId = `u-${randomUUID()}`) => {
    const user = await db.store.users.create({ tenantId, loginId, passwordHash: 'x' });
    if (!user) throw new Error('user not created');
    return user.id;
  };
  const newSession = async (userId: string) => {
    const token = randomBytes(32);
    const id = randomUUID();
    await db.write([sessionInsert({ id, tenantId, userId, tokenHash: hashOf(token), amr: ['pwd'], authenticatedAt: now, aal2VerifiedAt: null, lastActiveAt: now, createdAt: now, ip: '192.0.2.1', userAgent: 'test' })]);
    return { id, token };
  };
  const newChallenge = async (userId: string, sessionId: string, phoneE164 = '+819012345678'): Promise<SmsChallengeEntity> => {
    const challenge: SmsChallengeEntity = {
      id: randomUUID(), tenantId, userId, sessionId, purpose: 'ENROLL_PHONE', phoneE164, codeKeyId: 'v1', codeHash: randomBytes(32), codeLength: 6,
      delegatedProviderId: null, providerVerificationId: null, status: 'PENDING', attempts: 0, maxAttempts: 5, sends: 1, maxSends: 3, locale: 'ja',
      deliveryStatus: 'PENDING', expiresAt: new Date(Date.now() + 600_000), lastSentAt: now, createdAt: now, verifiedAt: null,
    };
    await db.write([challengeInsert(challenge)]);
    return challenge;
  };

  it('inserts of callers writing at once go in one statement, and a refused one fails alone', async () => {
    const pool = db.pgPool();
    const query = jest.spyOn(pool, 'query');
    try {
      const writes = Array.from({ length: 10 }, (_, i) => db.write([auditInsert(event('batched.insert', { n: i }))]));
      // A session of a user who does not exist breaks its foreign key.
      const refused = db.write([sessionInsert({ id: randomUUID(), tenantId, userId: randomUUID(), tokenHash: randomBytes(32), amr: ['pwd'], authenticatedAt: now, aal2VerifiedAt: null, lastActiveAt: now, createdAt: now, ip: null, userAgent: null })]);
      const settled = await Promise.allSettled([...writes, refused]);
      expect(settled.map((s) => s.status)).toEqual([...Array(10).fill('fulfilled'), 'rejected']);
      // One shared statement that failed, then each caller's alone: far fewer than a statement each twice.
      expect(query.mock.calls.length).toBeLessThanOrEqual(12);
    } finally {
      query.mockRestore();
    }
    const rows: { n: number }[] = await db.dataSource.query(`SELECT (details->>'n')::int AS n FROM audit_events WHERE type = 'batched.insert' ORDER BY 1`);
    expect(rows.map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('inserts keep every kind of value as given: bytes, arrays, JSON, timestamps to the millisecond, nulls', async () => {
    const userId = await newUser();
    const { id } = await newSession(userId);
    const details = { nested: { list: [1, 'two', null], quote: 'a "b" \\ c', unicode: '本人 ✓' } };
    await db.write([auditInsert({ ...event('batched.types', details), userId, sessionId: id, ip: null })]);
    const [session]: { token_hash: Buffer; amr: string[]; created_at: Date; revoked_at: Date | null }[] = await db.dataSource.query(
      `SELECT token_hash, amr, created_at, revoked_at FROM sessions WHERE id = $1`, [id],
    );
    expect(session.token_hash).toHaveLength(32);
    expect(session).toMatchObject({ amr: ['pwd'], created_at: now, revoked_at: null });
    const [audit]: { details: unknown; ip: string | null; created_at: Date }[] = await db.dataSource.query(`SELECT details, ip, created_at FROM audit_events WHERE type = 'batched.types'`);
    expect(audit).toEqual({ details, ip: null, created_at: now });
  });

  it('session lookups at once: each gets its own session, twice asked is twice answered, unknown and revoked get none', async () => {
    const userId = await newUser('lookup@example.com');
    const sessions = await Promise.all([newSession(userId), newSession(userId), newSession(userId)]);
    await db.store.sessions.revoke(tenantId, sessions[2].id, now);
    const asked = [sessions[0].token, sessions[1].token, sessions[0].token, randomBytes(32), sessions[2].token];
    const found = await Promise.all(asked.map((token) => db.store.sessions.findLiveByTokenHash(hashOf(token))));
    expect(found.map((f) => f?.session.id ?? null)).toEqual([sessions[0].id, sessions[1].id, sessions[0].id, null, null]);
    expect(found[0]?.user).toEqual({ id: userId, loginId: 'lookup@example.com', phoneE164: null });
    expect(found[0]).not.toBe(found[2]);
  });

  it('attempts at once on one challenge are each counted, one after the other; a stranger counts none', async () => {
    const userId = await newUser();
    const session = await newSession(userId);
    const challenge = await newChallenge(userId, session.id);
    const owner = { tenantId, userId, sessionId: session.id };
    const attemptsOf = (count: AttemptCount) => (count.kind === 'counted' ? count.challenge.attempts : count.kind);
    // However the id is spelt: a UUID in capitals names the same challenge.
    const counted = await Promise.all(Array.from({ length: 20 }, (_, i) => db.store.challenges.countAttempt(owner, i % 2 ? challenge.id.toUpperCase() : challenge.id)));
    expect(counted.map(attemptsOf).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const other = await newChallenge(userId, session.id);
    const [mine, stranger] = await Promise.all([
      db.store.challenges.countAttempt(owner, other.id),
      db.store.challenges.countAttempt({ ...owner, sessionId: randomUUID() }, other.id),
    ]);
    expect(attemptsOf(mine)).toBe(1);
    expect(stranger).toEqual({ kind: 'not_pending' });
  });

  it('an attempt whose budget counter is spent is refused in the same statement and not counted; one under its limit is', async () => {
    const userId = await newUser();
    const session = await newSession(userId);
    const [spent, fresh] = await Promise.all([newChallenge(userId, session.id), newChallenge(userId, session.id)]);
    const expire = Date.now() + 3_600_000;
    await db.dataSource.query(`INSERT INTO rate_limits (key, points, expire) VALUES ('verify_test:spent', 3, $1), ('verify_test:left', 2, $1), ('verify_test:expired', 9, $2)`, [expire, Date.now() - 1000]);
    const owner = { tenantId, userId, sessionId: session.id };
    const [refused, allowed, expired, none] = await Promise.all([
      db.store.challenges.countAttempt(owner, spent.id, { counterKey: 'verify_test:spent', limit: 3 }),
      db.store.challenges.countAttempt(owner, fresh.id, { counterKey: 'verify_test:left', limit: 3 }),
      db.store.challenges.countAttempt(owner, (await newChallenge(userId, session.id)).id, { counterKey: 'verify_test:expired', limit: 3 }),
      db.store.challenges.countAttempt(owner, (await newChallenge(userId, session.id)).id, { counterKey: 'verify_test:unknown', limit: 3 }),
    ]);
    expect(refused).toEqual({ kind: 'over_budget', points: 3, expiresAt: expire });
    expect([allowed, expired, none].map((c) => (c.kind === 'counted' ? c.challenge.attempts : c.kind))).toEqual([1, 1, 1]);
    const [{ attempts }]: { attempts: number }[] = await db.dataSource.query(`SELECT attempts FROM sms_challenges WHERE id = $1`, [spent.id]);
    expect(attempts).toBe(0);
  });

  it('completions at once: each spent once with what it grants; a spent one, an expired one and a taken number change nothing', async () => {
    const users = await Promise.all(Array.from({ length: 5 }, () => newUser()));
    const sessions = await Promise.all(users.map((u) => newSession(u)));
    const holder = await newUser();
    await db.dataSource.query(`UPDATE users SET phone_e164 = '+819011112222', phone_unique_key = '+819011112222' WHERE id = $1`, [holder]);
    const challenges = await Promise.all(users.map((u, i) => newChallenge(u, sessions[i].id, i === 3 ? '+819011112222' : `+81902222000${i}`)));
    await db.dataSource.query(`UPDATE sms_challenges SET expires_at = $2 WHERE id = $1`, [challenges[4].id, new Date(Date.now() - 1000)]);
    const at = new Date();
    const completion = (i: number): ChallengeCompletion => ({
      tenantId, challengeId: challenges[i].id, userId: users[i], at, phone: { e164: challenges[i].phoneE164, unique: true }, revokeSessionId: null,
      inserts: [auditInsert({ ...event('batched.verified', { i }), userId: users[i] })], notifications: [{ channel: 'batched_channel', payload: `n${i}` }],
    });
    const heard: string[] = [];
    await db.changes.subscribe('batched_channel', (payload) => heard.push(payload));
    const outcomes = await Promise.all([0, 1, 2, 3, 4, 0].map((i) => db.completeChallenge(completion(i))));
    expect(outcomes).toEqual(['completed', 'completed', 'completed', 'phone_taken', 'not_pending', 'not_pending']);
    const phones: { id: string; phone_e164: string | null }[] = await db.dataSource.query(`SELECT id, phone_e164 FROM users WHERE id = ANY($1)`, [users]);
    expect(new Map(phones.map((p) => [p.id, p.phone_e164]))).toEqual(new Map(users.map((u, i) => [u, i < 3 ? challenges[i].phoneE164 : null])));
    const audits: { i: number }[] = await db.dataSource.query(`SELECT (details->>'i')::int AS i FROM audit_events WHERE type = 'batched.verified' ORDER BY 1`);
    expect(audits.map((a) => a.i)).toEqual([0, 1, 2]);
    await waitFor(() => heard.length >= 3);
    expect(heard.sort()).toEqual(['n0', 'n1', 'n2']);
  });

  it('two users attaching one number at once: one gets it; the other learns it is taken (or clashes on the unique key) and nothing of it is stored', async () => {
    const [a, b] = await Promise.all([newUser(), newUser()]);
    const [sa, sb] = await Promise.all([newSession(a), newSession(b)]);
    const [ca, cb] = await Promise.all([newChallenge(a, sa.id, '+819033334444'), newChallenge(b, sb.id, '+819033334444')]);
    const at = new Date();
    const completion = (challenge: SmsChallengeEntity): ChallengeCompletion => ({
      tenantId, challengeId: challenge.id, userId: challenge.userId, at, phone: { e164: challenge.phoneE164, unique: true }, revokeSessionId: null,
      inserts: [auditInsert({ ...event('batched.race'), userId: challenge.userId })], notifications: [],
    });
    const settled = await Promise.allSettled([db.completeChallenge(completion(ca)), db.completeChallenge(completion(cb))]);
    // Together in one statement they clash; each then runs alone, and the second either sees the number
    // taken or, when both ran at the same time on two connections, clashes on the unique key.
    const outcomes = settled.map((s) => (s.status === 'fulfilled' ? s.value : isUniqueViolation(s.reason, 'users_tenant_phone_unique_key') ? 'unique_violation' : s.reason));
    expect(outcomes.filter((o) => o === 'completed')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'phone_taken' || o === 'unique_violation')).toHaveLength(1);
    const [{ n }]: { n: number }[] = await db.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE type = 'batched.race'`);
    expect(n).toBe(1);
    const [{ spent }]: { spent: number }[] = await db.dataSource.query(`SELECT count(*)::int AS spent FROM sms_challenges WHERE id = ANY($1) AND status = 'VERIFIED'`, [[ca.id, cb.id]]);
    expect(spent).toBe(1);
  });

  it('counted inserts at once: each counter counts every caller in order, and only the callers within every limit insert', async () => {
    const expire = Date.now() + 3_600_000;
    const limits = (user: string) => [{ key: `counted_test:${user}`, expiresAt: expire, limit: 100 }, { key: 'counted_test:shared', expiresAt: expire, limit: 6 }];
    const heard: string[] = [];
    await db.changes.subscribe('counted_channel', (payload) => heard.push(payload));
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        db.writeCounted([auditInsert(event('counted.insert', { i }))], [{ channel: 'counted_channel', payload: `c${i}` }], limits(`u${i % 2}`)),
      ),
    );
    expect(results.map((r) => r.written)).toEqual([true, true, true, true, true, true, false, false, false, false]);
    expect(results.map((r) => r.counts[1].points)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(results.map((r) => r.counts[0].points)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(results[0].counts[1].expiresAt).toBe(expire);
    const rows: { i: number }[] = await db.dataSource.query(`SELECT (details->>'i')::int AS i FROM audit_events WHERE type = 'counted.insert' ORDER BY 1`);
    expect(rows.map((r) => r.i)).toEqual([0, 1, 2, 3, 4, 5]);
    await waitFor(() => heard.length >= 6);
    expect(heard.sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
    const [{ points }]: { points: number }[] = await db.dataSource.query(`SELECT points FROM rate_limits WHERE key = 'counted_test:shared'`);
    expect(points).toBe(10);
  });

  it('a counted insert without counters is made; one refused by the database fails alone and counts nothing', async () => {
    const expire = Date.now() + 3_600_000;
    const limit = [{ key: 'counted_test:isolated', expiresAt: expire, limit: 100 }];
    const broken = sessionInsert({ id: randomUUID(), tenantId, userId: randomUUID(), tokenHash: randomBytes(32), amr: ['pwd'], authenticatedAt: now, aal2VerifiedAt: null, lastActiveAt: now, createdAt: now, ip: null, userAgent: null });
    const settled = await Promise.allSettled([
      db.writeCounted([auditInsert(event('counted.free'))], [], []),
      db.writeCounted([auditInsert(event('counted.ok'))], [], limit),
      db.writeCounted([broken], [], limit),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((settled[0] as PromiseFulfilledResult<{ written: boolean }>).value.written).toBe(true);
    const [{ points }]: { points: number }[] = await db.dataSource.query(`SELECT points FROM rate_limits WHERE key = 'counted_test:isolated'`);
    expect(points).toBe(1);
  });

  it('plans the named statements of the hot paths once per connection on a server', async () => {
    if (testDb.poolSize === 1) return;
    const [{ plan_cache_mode }]: { plan_cache_mode: string }[] = await db.pgPool().query('SHOW plan_cache_mode').then((r) => r.rows);
    expect(plan_cache_mode).toBe('force_generic_plan');
  });
});

function hashOf(token: Buffer): Buffer {
  return createHash('sha256').update(token).digest();
}
