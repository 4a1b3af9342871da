import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '@honnin/testing';
import { Database } from './database';
import { startEmbeddedPostgres } from './embedded-postgres';

describe('Database on the test server', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(() => testDb.drop());

  it('runs every migration once even when two replicas start together', async () => {
    const a = await Database.open({ url: testDb.url, poolSize: testDb.poolSize });
    const b = testDb.poolSize > 1 ? await Database.open({ url: testDb.url, poolSize: testDb.poolSize }) : a;
    try {
      expect(await a.isReady()).toBe(false);
      const [ranA, ranB] = await Promise.all([a.migrate(), b.migrate()]);
      expect([...ranA, ...ranB].sort()).toEqual(
        ['CreateFoundation1764000000000', 'CreateTenantPolicyVersions1764000100000', 'CreateSmsChallengesAndOutbox1764000200000', 'CreateRateLimits1764000300000', 'CreateSmsPrefixVelocity1764000400000', 'IndexUsersByPhone1764000500000'].sort(),
      );
      expect(await a.isReady()).toBe(true);
      expect(await a.migrate()).toEqual([]);
    } finally {
      if (b !== a) await b.close();
      await a.close();
    }
  });

  it('keeps audit events append-only', async () => {
    const db = await Database.open({ url: testDb.url, poolSize: testDb.poolSize });
    try {
      await db.migrate();
      const tenant = await db.store.tenants.create('append-only', 'Append Only');
      if (!tenant) throw new Error('tenant not created');
      await db.store.audit.append({
        tenantId: tenant.id, type: 'test.event', outcome: 'success', userId: null, sessionId: null, apiKeyId: null,
        ip: null, userAgent: null, details: {}, createdAt: new Date(),
      });
      await expect(db.dataSource.query('UPDATE audit_events SET outcome = $1', ['tampered'])).rejects.toThrow(/append-only/);
      await expect(db.dataSource.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
      const events = await db.store.audit.find({ tenantId: tenant.id, limit: 10 });
      expect(events.map((e) => e.outcome)).toEqual(['success']);
    } finally {
      await db.close();
    }
  });
});

describe('Database on the embedded Postgres (PGlite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'honnin-embedded-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('never interleaves concurrent transactions, and a rollback leaves nothing behind', async () => {
    const embedded = await startEmbeddedPostgres(dataDir);
    const db = await Database.open({ url: embedded.url, poolSize: 1 });
    try {
      await db.migrate();
      await db.dataSource.query('CREATE TABLE counter (n integer NOT NULL)');
      await db.dataSource.query('INSERT INTO counter VALUES (0)');
      // Read-modify-write with a pause between: interleaved transactions would lose increments.
      const increment = () =>
        db.transaction(async (store) => {
          const [{ n }] = await store.manager.query('SELECT n FROM counter');
          await new Promise((resolve) => setTimeout(resolve, 2));
          await store.manager.query('UPDATE counter SET n = $1', [n + 1]);
        });
      const failing = () =>
        db.transaction(async (store) => {
          await store.tenants.create(`rolled-back-${Math.random()}`, 'Rolled back');
          await new Promise((resolve) => setTimeout(resolve, 2));
          throw new Error('abort');
        });
      const results = await Promise.allSettled([
        ...Array.from({ length: 30 }, increment),
        ...Array.from({ length: 10 }, failing),
      ]);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(10);
      const [{ n }] = await db.dataSource.query('SELECT n FROM counter');
      expect(n).toBe(30);
      const [{ count }] = await db.dataSource.query(`SELECT count(*)::int AS count FROM tenants WHERE slug LIKE 'rolled-back-%'`);
      expect(count).toBe(0);
    } finally {
      await db.close();
      await embedded.stop();
    }
  });

  it('keeps its data across a restart', async () => {
    const first = await startEmbeddedPostgres(dataDir);
    let db = await Database.open({ url: first.url, poolSize: 1 });
    await db.migrate();
    await db.store.tenants.create('survivor', 'Survivor');
    await db.close();
    await first.stop();

    const second = await startEmbeddedPostgres(dataDir);
    db = await Database.open({ url: second.url, poolSize: 1 });
    try {
      expect(await db.isReady()).toBe(true);
      expect((await db.store.tenants.findBySlug('survivor'))?.name).toBe('Survivor');
    } finally {
      await db.close();
      await second.stop();
    }
  });
});
