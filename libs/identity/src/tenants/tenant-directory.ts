import { Database, TenantEntity } from '@honnin/persistence';
import { IdentityError } from '../errors/identity-error';

/** Tenants by slug, cached: slugs never change, so a hit needs no query. */
export class TenantDirectory {
  private readonly bySlug = new Map<string, TenantEntity>();

  constructor(private readonly db: Database) {}

  async require(slug: string | null): Promise<TenantEntity> {
    const tenant = slug ? await this.find(slug) : null;
    if (!tenant) throw new IdentityError('TENANT_NOT_FOUND', 'Unknown tenant.');
    return tenant;
  }

  async find(slug: string): Promise<TenantEntity | null> {
    const cached = this.bySlug.get(slug);
    if (cached) return cached;
    if (slug.length > 63) return null;
    const tenant = await this.db.store.tenants.findBySlug(slug);
    if (tenant) this.bySlug.set(slug, tenant);
    return tenant;
  }

  remember(tenant: TenantEntity): void {
    this.bySlug.set(tenant.slug, tenant);
  }
}
