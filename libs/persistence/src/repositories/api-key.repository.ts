import { EntityManager } from 'typeorm';
import { ApiKeyEntity } from '../entities/api-key.entity';

export type NewApiKey = Pick<ApiKeyEntity, 'tenantId' | 'name' | 'keyHash' | 'scopes' | 'createdAt'>;

export class ApiKeyRepository {
  constructor(private readonly manager: EntityManager) {}

  async create(key: NewApiKey): Promise<ApiKeyEntity> {
    const rows: { id: string }[] = await this.manager.query(
      `INSERT INTO api_keys (tenant_id, name, key_hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [key.tenantId, key.name, key.keyHash, key.scopes, key.createdAt],
    );
    return { ...key, id: rows[0].id, lastUsedAt: null, revokedAt: null };
  }

  findByHash(keyHash: Buffer): Promise<ApiKeyEntity | null> {
    return this.manager.findOneBy(ApiKeyEntity, { keyHash });
  }

  /** Records use at most once a minute per key, so a busy key does not write on every request. */
  async markUsed(id: string, at: Date): Promise<void> {
    await this.manager.query(
      `UPDATE api_keys SET last_used_at = $2
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '60 seconds')`,
      [id, at],
    );
  }

  /** False when no live key of this tenant has that id. */
  async revoke(tenantId: string, id: string, at: Date): Promise<boolean> {
    const result: [unknown[], number] = await this.manager.query(
      `UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL`,
      [tenantId, id, at],
    );
    return result[1] === 1;
  }

  list(tenantId: string): Promise<ApiKeyEntity[]> {
    return this.manager.find(ApiKeyEntity, { where: { tenantId }, order: { createdAt: 'ASC' } });
  }
}
