import { EntityManager } from 'typeorm';
import { TenantEntity } from '../entities/tenant.entity';

export class TenantRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Returns null when the slug is taken. */
  async create(slug: string, name: string): Promise<TenantEntity | null> {
    const rows: TenantEntity[] = await this.manager.query(
      `INSERT INTO tenants (slug, name) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING
       RETURNING id, slug, name, created_at AS "createdAt"`,
      [slug, name],
    );
    return rows[0] ?? null;
  }

  findBySlug(slug: string): Promise<TenantEntity | null> {
    return this.manager.findOneBy(TenantEntity, { slug });
  }

  findById(id: string): Promise<TenantEntity | null> {
    return this.manager.findOneBy(TenantEntity, { id });
  }
}
