import { EntityManager } from 'typeorm';
import { TenantPolicyVersionEntity } from '../entities/tenant-policy-version.entity';

export class TenantPolicyRepository {
  constructor(private readonly manager: EntityManager) {}

  async latest(tenantId: string): Promise<TenantPolicyVersionEntity | null> {
    const rows = await this.manager.find(TenantPolicyVersionEntity, {
      where: { tenantId },
      order: { version: 'DESC' },
      take: 1,
    });
    return rows[0] ?? null;
  }

  /** Every tenant's version in force, for a replica's cache. */
  latestOfEveryTenant(): Promise<TenantPolicyVersionEntity[]> {
    return this.manager.query(
      `SELECT DISTINCT ON (tenant_id) tenant_id AS "tenantId", version, document, api_key_id AS "apiKeyId",
              created_at AS "createdAt"
         FROM tenant_policy_versions ORDER BY tenant_id, version DESC`,
    );
  }

  /** Returns false when that version already exists (somebody else wrote first). */
  async insertVersion(row: TenantPolicyVersionEntity): Promise<boolean> {
    const rows: unknown[] = await this.manager.query(
      `INSERT INTO tenant_policy_versions (tenant_id, version, document, api_key_id, created_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING version`,
      [row.tenantId, row.version, row.document, row.apiKeyId, row.createdAt],
    );
    return rows.length === 1;
  }
}
