import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Attaching a verified number asks whether another user of the tenant holds it, whatever the unique
 * key says (numbers verified before the tenant required uniqueness); without this index that question
 * read every user of the tenant.
 */
export class IndexUsersByPhone1764000500000 implements MigrationInterface {
  name = 'IndexUsersByPhone1764000500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX users_tenant_phone ON users (tenant_id, phone_e164) WHERE phone_e164 IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX users_tenant_phone`);
  }
}
