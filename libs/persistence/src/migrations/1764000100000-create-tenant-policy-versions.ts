import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateTenantPolicyVersions1764000100000 implements MigrationInterface {
  name = 'CreateTenantPolicyVersions1764000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenant_policy_versions (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        version integer NOT NULL CHECK (version > 0),
        document jsonb NOT NULL,
        api_key_id uuid,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE tenant_policy_versions`);
  }
}
