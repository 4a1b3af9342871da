import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SMS pumping defence (SECURITY 8): sends per tenant and country calling code in 10-minute buckets,
 * and per (tenant, prefix) the latest hold. One hold row per prefix, so two replicas tripping the same
 * prefix at once meet on the primary key instead of creating two holds.
 */
export class CreateSmsPrefixVelocity1764000400000 implements MigrationInterface {
  name = 'CreateSmsPrefixVelocity1764000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sms_prefix_sends (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        prefix varchar(8) NOT NULL,
        bucket_start timestamptz NOT NULL,
        sends integer NOT NULL,
        PRIMARY KEY (tenant_id, prefix, bucket_start)
      )`);
    await q.query(`CREATE INDEX sms_prefix_sends_bucket_start_idx ON sms_prefix_sends (bucket_start)`);
    await q.query(`
      CREATE TABLE sms_prefix_holds (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        prefix varchar(8) NOT NULL,
        held_at timestamptz NOT NULL,
        held_until timestamptz NOT NULL,
        sends integer NOT NULL,
        baseline double precision NOT NULL,
        threshold integer NOT NULL,
        lifted_at timestamptz,
        lifted_by_api_key_id uuid,
        exempt_until timestamptz,
        PRIMARY KEY (tenant_id, prefix)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sms_prefix_holds`);
    await q.query(`DROP TABLE sms_prefix_sends`);
  }
}
