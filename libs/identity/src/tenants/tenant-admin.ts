import { timingSafeEqual } from 'node:crypto';
import { AuditEventEntity, Database, Store, TenantEntity } from '@honnin/persistence';
import { recordAudit } from '../audit/audit-log';
import { Clock, RequestContext } from '../common/clock';
import { isUuid } from '../common/ids';
import { hashSecretToken, newSecretToken } from '../common/secret-token';
import { IdentityError } from '../errors/identity-error';
import { TenantPolicies } from '../policy/tenant-policies';
import { TenantDirectory } from './tenant-directory';

export const API_KEY_SCOPES = ['policy:read', 'policy:write', 'providers:write', 'audit:read', 'keys:manage'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** A tenant administrator, as proven by an API key. */
export interface AdminCaller {
  tenant: TenantEntity;
  apiKeyId: string;
  scopes: readonly string[];
  context: RequestContext;
}

export interface CreatedApiKey {
  id: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  /** Shown once; only its hash is kept. */
  key: string;
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const API_KEY_PREFIX = 'hnn_';

export class TenantAdmin {
  private readonly operatorTokenHash: Buffer | null;

  constructor(
    private readonly db: Database,
    private readonly tenants: TenantDirectory,
    private readonly policies: TenantPolicies,
    private readonly clock: Clock,
    operatorToken: string | null,
  ) {
    this.operatorTokenHash = operatorToken ? hashSecretToken(operatorToken) : null;
  }

  /** Operator-only: proves the caller holds OPERATOR_TOKEN (compared in constant time). */
  checkOperator(token: string | null): void {
    if (!this.operatorTokenHash || !token) throw new IdentityError('UNAUTHENTICATED', 'An operator token is required.');
    if (!timingSafeEqual(hashSecretToken(token), this.operatorTokenHash)) throw new IdentityError('FORBIDDEN', 'Not an operator.');
  }

  /** Creates a tenant with the default policy and an admin API key holding every scope. */
  async createTenant(input: { slug: string; name: string }, context: RequestContext | null): Promise<{ tenant: TenantEntity; adminApiKey: CreatedApiKey }> {
    const slug = input.slug.trim();
    const name = input.name.trim();
    const problems = [
      ...(SLUG.test(slug) ? [] : [{ field: 'slug', message: 'must be 1-63 lower-case letters, digits or inner hyphens' }]),
      ...(name.length >= 1 && name.length <= 100 ? [] : [{ field: 'name', message: 'must be 1-100 characters' }]),
    ];
    if (problems.length > 0) throw IdentityError.badInput(problems);
    const now = this.clock.now();
    const created = await this.db.transaction(async (store) => {
      const tenant = await store.tenants.create(slug, name);
      if (!tenant) throw IdentityError.badInput([{ field: 'slug', message: 'is taken' }]);
      await this.policies.initialise(store, tenant.id, now);
      const adminApiKey = await this.insertApiKey(store, tenant.id, 'admin', [...API_KEY_SCOPES], now);
      await recordAudit(store, { tenantId: tenant.id, type: 'tenant.created', outcome: 'success', at: now, context, details: { slug } });
      await recordAudit(store, { tenantId: tenant.id, type: 'api_key.created', outcome: 'success', at: now, apiKeyId: adminApiKey.id, context, details: { name: 'admin', scopes: adminApiKey.scopes } });
      return { tenant, adminApiKey };
    });
    this.tenants.remember(created.tenant);
    return created;
  }

  /** The tenant administrator behind `Authorization: ApiKey <key>`, holding `scope`. */
  async authenticate(key: string | null, scope: ApiKeyScope, context: RequestContext): Promise<AdminCaller> {
    const now = this.clock.now();
    const row = key && key.length <= 128 ? await this.db.store.apiKeys.findByHash(hashSecretToken(key)) : null;
    if (!row) throw new IdentityError('UNAUTHENTICATED', 'A valid API key is required.');
    if (row.revokedAt) {
      await recordAudit(this.db.store, { tenantId: row.tenantId, type: 'api_key.refused', outcome: 'refused', at: now, apiKeyId: row.id, context, details: { reason: 'revoked', scope } });
      throw new IdentityError('UNAUTHENTICATED', 'A valid API key is required.');
    }
    if (!row.scopes.includes(scope)) {
      await recordAudit(this.db.store, { tenantId: row.tenantId, type: 'api_key.refused', outcome: 'refused', at: now, apiKeyId: row.id, context, details: { reason: 'missing_scope', scope } });
      throw new IdentityError('FORBIDDEN', `This API key lacks the scope ${scope}.`);
    }
    const tenant = await this.db.store.tenants.findById(row.tenantId);
    if (!tenant) throw new IdentityError('UNAUTHENTICATED', 'A valid API key is required.');
    await this.db.store.apiKeys.markUsed(row.id, now);
    return { tenant, apiKeyId: row.id, scopes: row.scopes, context };
  }

  async createApiKey(caller: AdminCaller, input: { name: string; scopes: string[] }): Promise<CreatedApiKey> {
    const name = input.name.trim();
    const unknown = input.scopes.filter((s) => !(API_KEY_SCOPES as readonly string[]).includes(s));
    const problems = [
      ...(name.length >= 1 && name.length <= 100 ? [] : [{ field: 'name', message: 'must be 1-100 characters' }]),
      ...(input.scopes.length === 0 ? [{ field: 'scopes', message: 'must name at least one scope' }] : []),
      ...(unknown.length > 0 ? [{ field: 'scopes', message: `unknown scopes: ${unknown.slice(0, 5).join(', ')}` }] : []),
    ];
    if (problems.length > 0) throw IdentityError.badInput(problems);
    const now = this.clock.now();
    return this.db.transaction(async (store) => {
      const created = await this.insertApiKey(store, caller.tenant.id, name, [...new Set(input.scopes)], now);
      await recordAudit(store, { tenantId: caller.tenant.id, type: 'api_key.created', outcome: 'success', at: now, apiKeyId: caller.apiKeyId, context: caller.context, details: { createdKeyId: created.id, name, scopes: created.scopes } });
      return created;
    });
  }

  async revokeApiKey(caller: AdminCaller, id: string): Promise<boolean> {
    const now = this.clock.now();
    return this.db.transaction(async (store) => {
      const revoked = isUuid(id) && (await store.apiKeys.revoke(caller.tenant.id, id, now));
      if (!revoked) throw IdentityError.badInput([{ field: 'id', message: 'no live API key of this tenant has that id' }]);
      await recordAudit(store, { tenantId: caller.tenant.id, type: 'api_key.revoked', outcome: 'success', at: now, apiKeyId: caller.apiKeyId, context: caller.context, details: { revokedKeyId: id } });
      return true;
    });
  }

  /** Newest first; `after` is the cursor of the last event of the previous page. */
  async auditEvents(
    caller: AdminCaller,
    input: { first: number; after?: string | null; type?: string | null; userId?: string | null; since?: Date | null; until?: Date | null },
  ): Promise<{ events: AuditEventEntity[]; hasNextPage: boolean }> {
    const beforeId = input.after ? decodeCursor(input.after) : undefined;
    if (input.userId && !isUuid(input.userId)) throw IdentityError.badInput([{ field: 'filter.userId', message: 'must be a user id' }]);
    const rows = await this.db.store.audit.find({
      tenantId: caller.tenant.id,
      type: input.type ?? undefined,
      userId: input.userId ?? undefined,
      since: input.since ?? undefined,
      until: input.until ?? undefined,
      beforeId,
      limit: input.first + 1,
    });
    return { events: rows.slice(0, input.first), hasNextPage: rows.length > input.first };
  }

  private async insertApiKey(store: Store, tenantId: string, name: string, scopes: string[], now: Date): Promise<CreatedApiKey> {
    const key = newSecretToken(API_KEY_PREFIX);
    const row = await store.apiKeys.create({ tenantId, name, keyHash: hashSecretToken(key), scopes, createdAt: now });
    return { id: row.id, name, scopes, createdAt: now, key };
  }
}

export function encodeCursor(id: string): string {
  return Buffer.from(`audit:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const match = /^audit:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw IdentityError.badInput([{ field: 'after', message: 'is not a cursor from this API' }]);
  return match[1];
}

