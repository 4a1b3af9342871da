import { randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase } from '@honnin/testing';
import { Database } from '../database';
import { SmsOutboxMessageEntity } from '../entities';
import { outboxInsert } from './sms-outbox.repository';

describe('SmsOutboxRepository.recordSent', () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await Database.open({ url: testDb.url, poolSize: testDb.poolSize });
    await db.migrate();
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  it('records many sends in one statement; a message whose lease was lost meanwhile is left as it was, without an audit event', async () => {
    const tenant = await db.store.tenants.create('outbox-batch', 'Outbox Batch');
    if (!tenant) throw new Error('tenant not created');
    const now = new Date();
    const message = (): SmsOutboxMessageEntity => ({
      id: randomUUID(), tenantId: tenant.id, challengeId: null, kind: 'PHONE_CHANGE_NOTICE', toE164: '+819012345678', bodyCiphertext: Buffer.from('sealed'),
      locale: 'ja', status: 'PENDING', attempts: 0, nextAttemptAt: now, claimedUntil: null, expiresAt: new Date(now.getTime() + 600_000),
      providerConfigId: null, providerType: null, providerMessageId: null, lastOutcome: null, deliveryStatus: 'PENDING', createdAt: now, sentAt: null,
    });
    const messages = [message(), message(), message()];
    await db.write(messages.map(outboxInsert));
    const lease = new Date(now.getTime() + 15_000);
    expect((await db.store.outbox.claimDue(now, lease, 10)).map((m) => m.id).sort()).toEqual(messages.map((m) => m.id).sort());
    // Another dispatcher took the last one over.
    await db.dataSource.query(`UPDATE sms_outbox SET claimed_until = $2 WHERE id = $1`, [messages[2].id, new Date(now.getTime() + 30_000)]);
    const saved = await db.store.outbox.recordSent(messages.map((m, i) => ({
      id: m.id, lease, record: { providerConfigId: null, providerType: 'WEBHOOK', outcome: 'sent', providerMessageId: `p-${i}`, at: now },
      audit: { tenantId: tenant.id, type: 'sms.sent', outcome: 'success', userId: null, sessionId: null, apiKeyId: null, ip: '203.0.113.7', userAgent: 'dispatcher "quoted"', details: { outboxId: m.id, n: i }, createdAt: now },
    })));
    expect([...saved].sort()).toEqual([messages[0].id, messages[1].id].sort());
    const rows: { id: string; status: string; body: Buffer | null; provider_message_id: string | null }[] = await db.dataSource.query(
      `SELECT id, status, body_ciphertext AS body, provider_message_id FROM sms_outbox WHERE tenant_id = $1`, [tenant.id],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(messages.map((m) => byId.get(m.id))).toEqual([
      { id: messages[0].id, status: 'SENT', body: null, provider_message_id: 'p-0' },
      { id: messages[1].id, status: 'SENT', body: null, provider_message_id: 'p-1' },
      { id: messages[2].id, status: 'PENDING', body: Buffer.from('sealed'), provider_message_id: null },
    ]);
    const audits: { details: { outboxId: string; n: number }; ip: string; user_agent: string; created_at: Date }[] = await db.dataSource.query(
      `SELECT details, ip, user_agent, created_at FROM audit_events WHERE tenant_id = $1 AND type = 'sms.sent' ORDER BY (details->>'n')`, [tenant.id],
    );
    expect(audits).toEqual([0, 1].map((n) => ({ details: { outboxId: messages[n].id, n }, ip: '203.0.113.7', user_agent: 'dispatcher "quoted"', created_at: now })));
    expect(await db.store.outbox.recordSent([])).toEqual(new Set());
  });
});
