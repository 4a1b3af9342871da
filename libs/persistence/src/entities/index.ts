import { ApiKeyEntity } from './api-key.entity';
import { AuditEventEntity } from './audit-event.entity';
import { SessionEntity } from './session.entity';
import { TenantPolicyVersionEntity } from './tenant-policy-version.entity';
import { TenantEntity } from './tenant.entity';
import { UserEntity } from './user.entity';

export { ApiKeyEntity, AuditEventEntity, SessionEntity, TenantEntity, TenantPolicyVersionEntity, UserEntity };
export const ENTITIES = [TenantEntity, UserEntity, SessionEntity, ApiKeyEntity, AuditEventEntity, TenantPolicyVersionEntity];
export type { SessionMethod } from './session.entity';
