// Public API of @honnin/persistence: the database (pg or embedded), migrations, repositories.
export { Database, isUniqueViolation } from './database';
export type { DatabaseOptions } from './database';
export { startEmbeddedPostgres } from './embedded-postgres';
export type { EmbeddedPostgres } from './embedded-postgres';
export * from './entities';
export { Store } from './store';
export type { NewApiKey } from './repositories/api-key.repository';
export type { AuditEventQuery, NewAuditEvent } from './repositories/audit-event.repository';
export type { NewSession, SessionWithUser } from './repositories/session.repository';
export type { NewUser } from './repositories/user.repository';
export { ChangeFeed } from './change-feed';
export type { ChangeHandler } from './change-feed';
export type { ChallengeOwner } from './repositories/sms-challenge.repository';
export type { SendRecord } from './repositories/sms-outbox.repository';
export type { NewSmsProviderConfig } from './repositories/sms-provider-config.repository';
export type { NewSmsPrefixHold, PrefixSendCount } from './repositories/sms-prefix-velocity.repository';
