import { Database, Store } from '@honnin/persistence';
import { checkTemplate } from '@honnin/otp';
import {
  applyPolicyUpdate,
  DEFAULT_TENANT_POLICY,
  TenantPolicy,
  TenantPolicyUpdate,
  validateTenantPolicy,
} from '@honnin/policy';
import { recordAudit } from '../audit/audit-log';
import { IdentityError } from '../errors/identity-error';

export interface VersionedTenantPolicy {
  version: number;
  policy: TenantPolicy;
}

const CHANNEL = 'tenant_policy';
const POLL_INTERVAL_MS = 5000;

/**
 * Every tenant's policy in force, held in memory so no request reads the policy table. Changes reach
 * every replica through NOTIFY within milliseconds; a poll every few seconds covers a missed one.
 */
export class TenantPolicies {
  private readonly cache = new Map<string, VersionedTenantPolicy>();
  private poller: NodeJS.Timeout | null = null;

  constructor(private readonly db: Database) {}

  async start(): Promise<void> {
    await this.db.changes.subscribe(CHANNEL, (tenantId) => void this.reload(tenantId).catch(() => undefined));
    await this.refreshAll();
    if (!this.db.changes.inProcess) {
      this.poller = setInterval(() => void this.refreshAll().catch(() => undefined), POLL_INTERVAL_MS);
      this.poller.unref();
    }
  }

  stop(): void {
    if (this.poller) clearInterval(this.poller);
  }

  /** The policy in force; read from the database only for a tenant this replica has never seen. */
  async get(tenantId: string): Promise<VersionedTenantPolicy> {
    return this.cache.get(tenantId) ?? (await this.reload(tenantId));
  }

  /** Writes the first version of a new tenant's policy (inside the tenant's creating transaction). */
  async initialise(store: Store, tenantId: string, at: Date): Promise<void> {
    await store.policies.insertVersion({ tenantId, version: 1, document: toDocument(DEFAULT_TENANT_POLICY), apiKeyId: null, createdAt: at });
    await store.notify(CHANNEL, tenantId);
  }

  /** A partial update making a new version; `expectedVersion` guards against lost updates. */
  async update(
    tenantId: string,
    update: TenantPolicyUpdate,
    by: { apiKeyId: string; expectedVersion?: number | null; at: Date },
  ): Promise<VersionedTenantPolicy> {
    const next = await this.db.transaction(async (store) => {
      const current = fromRow(await store.policies.latest(tenantId));
      if (by.expectedVersion != null && by.expectedVersion !== current.version) throw conflict(current.version);
      const policy = applyPolicyUpdate(current.policy, update);
      const problems = validateTenantPolicy(policy, {
        checkTemplate: (text, locale) =>
          checkTemplate({ text, locale, appName: policy.messages.appName, webOtpDomain: policy.messages.webOtpDomain }),
      });
      if (problems.length > 0) throw IdentityError.badInput(problems);
      const version = current.version + 1;
      const inserted = await store.policies.insertVersion({
        tenantId, version, document: toDocument(policy), apiKeyId: by.apiKeyId, createdAt: by.at,
      });
      if (!inserted) throw conflict(version);
      await recordAudit(store, {
        tenantId, type: 'policy.updated', outcome: 'success', at: by.at, apiKeyId: by.apiKeyId,
        details: { version, sections: Object.keys(update).sort() },
      });
      await store.notify(CHANNEL, tenantId);
      return { version, policy };
    });
    this.cache.set(tenantId, next);
    return next;
  }

  private async reload(tenantId: string): Promise<VersionedTenantPolicy> {
    const loaded = fromRow(await this.db.store.policies.latest(tenantId));
    const cached = this.cache.get(tenantId);
    if (!cached || cached.version < loaded.version) this.cache.set(tenantId, loaded);
    return this.cache.get(tenantId) ?? loaded;
  }

  private async refreshAll(): Promise<void> {
    for (const row of await this.db.store.policies.latestOfEveryTenant()) {
      const cached = this.cache.get(row.tenantId);
      if (!cached || cached.version < row.version) this.cache.set(row.tenantId, fromRow(row));
    }
  }
}

function conflict(currentVersion: number): IdentityError {
  return IdentityError.badInput([
    { field: 'expectedVersion', message: `the policy was changed meanwhile; the current version is ${currentVersion}` },
  ]);
}

function toDocument(policy: TenantPolicy): Record<string, unknown> {
  return JSON.parse(JSON.stringify(policy)) as Record<string, unknown>;
}

/** Stored documents are read through the defaults, so a field added in a later release has its default. */
function fromRow(row: { version: number; document: Record<string, unknown> } | null): VersionedTenantPolicy {
  if (!row) return { version: 0, policy: DEFAULT_TENANT_POLICY };
  return { version: row.version, policy: applyPolicyUpdate(DEFAULT_TENANT_POLICY, row.document as TenantPolicyUpdate) };
}
