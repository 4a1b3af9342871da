import { ApiKeyEntity } from './api-key.entity';
import { AuditEventEntity } from './audit-event.entity';
import { SessionEntity } from './session.entity';
import { SmsChallengeEntity } from './sms-challenge.entity';
import { SmsOutboxMessageEntity } from './sms-outbox-message.entity';
import { SmsPrefixHoldEntity } from './sms-prefix-hold.entity';
import { SmsProviderConfigEntity } from './sms-provider-config.entity';
import { TenantPolicyVersionEntity } from './tenant-policy-version.entity';
import { TenantEntity } from './tenant.entity';
import { UserEntity } from './user.entity';

export { ApiKeyEntity, AuditEventEntity, SessionEntity, SmsChallengeEntity, SmsOutboxMessageEntity, SmsPrefixHoldEntity, SmsProviderConfigEntity, TenantEntity, TenantPolicyVersionEntity, UserEntity };
export const ENTITIES = [
  TenantEntity, UserEntity, SessionEntity, ApiKeyEntity, AuditEventEntity, TenantPolicyVersionEntity,
  SmsChallengeEntity, SmsOutboxMessageEntity, SmsProviderConfigEntity, SmsPrefixHoldEntity,
];
export type { SessionMethod } from './session.entity';
export type { DeliveryStatus, SmsChallengePurpose, SmsChallengeStatus } from './sms-challenge.entity';
export type { OutboxKind, OutboxStatus } from './sms-outbox-message.entity';
