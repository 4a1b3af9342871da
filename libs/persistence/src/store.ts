import { EntityManager } from 'typeorm';
import { ApiKeyRepository } from './repositories/api-key.repository';
import { AuditEventRepository } from './repositories/audit-event.repository';
import { SessionRepository } from './repositories/session.repository';
import { TenantPolicyRepository } from './repositories/tenant-policy.repository';
import { TenantRepository } from './repositories/tenant.repository';
import { UserRepository } from './repositories/user.repository';

/** The repositories, bound to one EntityManager: the pool, or one open transaction. */
export class Store {
  readonly tenants: TenantRepository;
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly audit: AuditEventRepository;
  readonly policies: TenantPolicyRepository;

  constructor(readonly manager: EntityManager) {
    this.tenants = new TenantRepository(manager);
    this.users = new UserRepository(manager);
    this.sessions = new SessionRepository(manager);
    this.apiKeys = new ApiKeyRepository(manager);
    this.audit = new AuditEventRepository(manager);
    this.policies = new TenantPolicyRepository(manager);
  }
}
