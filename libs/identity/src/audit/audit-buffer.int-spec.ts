import { IdentityHarness } from '../test/identity-harness';
import { AuditBuffer } from './audit-buffer';

describe('AuditBuffer', () => {
  const h = new IdentityHarness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it('writes every recorded event, in order, in batches; flush waits for all of them', async () => {
    const { tenant } = await h.tenant('buffered');
    const errors: Error[] = [];
    const buffer = new AuditBuffer(h.db, (e) => errors.push(e));
    for (let i = 0; i < 450; i++) {
      buffer.record({ tenantId: tenant.id, type: 'authorization.denied', outcome: 'refused', at: h.clock.now(), details: { n: i } });
    }
    await buffer.flush();
    const rows: { n: number }[] = await h.db.dataSource.query(
      `SELECT (details->>'n')::int AS n FROM audit_events WHERE tenant_id = $1 AND type = 'authorization.denied' ORDER BY id`,
      [tenant.id],
    );
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: 450 }, (_, i) => i));
    expect(errors).toEqual([]);
  });

  it('writes a lone event within milliseconds without a flush', async () => {
    const { tenant } = await h.tenant('lone');
    const buffer = new AuditBuffer(h.db, () => undefined);
    buffer.record({ tenantId: tenant.id, type: 'authorization.denied', outcome: 'refused', at: h.clock.now() });
    const deadline = Date.now() + 2000;
    let count = 0;
    while (count === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      [{ count }] = await h.db.dataSource.query(`SELECT count(*)::int AS count FROM audit_events WHERE tenant_id = $1 AND type = 'authorization.denied'`, [tenant.id]);
    }
    expect(count).toBe(1);
  });

  it('an event the database refuses costs only itself: the rest of its batch is written', async () => {
    const { tenant } = await h.tenant('poisoned');
    const errors: Error[] = [];
    const buffer = new AuditBuffer(h.db, (e) => errors.push(e));
    buffer.record({ tenantId: tenant.id, type: 'authorization.denied', outcome: 'refused', at: h.clock.now(), details: { n: 1 } });
    buffer.record({ tenantId: tenant.id, type: 'authorization.denied', outcome: 'refused', at: h.clock.now(), details: { n: 'nul \u0000 in jsonb' } });
    buffer.record({ tenantId: tenant.id, type: 'authorization.denied', outcome: 'refused', at: h.clock.now(), details: { n: 3 } });
    await buffer.flush();
    const rows: { n: string }[] = await h.db.dataSource.query(
      `SELECT details->>'n' AS n FROM audit_events WHERE tenant_id = $1 AND type = 'authorization.denied' ORDER BY id`,
      [tenant.id],
    );
    expect(rows.map((r) => r.n)).toEqual(['1', '3']);
    expect(errors).toHaveLength(1);
  });
});
