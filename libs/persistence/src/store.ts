import type { Pool } from 'pg';
import { EntityManager } from 'typeorm';
import { preparedOn, RunStatement } from './prepared';
import { ApiKeyRepository } from './repositories/api-key.repository';
import { AuditEventRepository } from './repositories/audit-event.repository';
import { SessionRepository } from './repositories/session.repository';
import { SmsChallengeRepository } from './repositories/sms-challenge.repository';
import { SmsOutboxRepository } from './repositories/sms-outbox.repository';
import { SmsPrefixVelocityRepository } from './repositories/sms-prefix-velocity.repository';
import { SmsProviderConfigRepository } from './repositories/sms-provider-config.repository';
import { TenantPolicyRepository } from './repositories/tenant-policy.repository';
import { TenantRepository } from './repositories/tenant.repository';
import { UserRepository } from './repositories/user.repository';
import { combineWrites, Notification, Write } from './writes';

/** The repositories, bound to one EntityManager: the pool, or one open transaction. */
export class Store {
  readonly tenants: TenantRepository;
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly audit: AuditEventRepository;
  readonly policies: TenantPolicyRepository;
  readonly challenges: SmsChallengeRepository;
  readonly outbox: SmsOutboxRepository;
  readonly smsProviders: SmsProviderConfigRepository;
  readonly prefixVelocity: SmsPrefixVelocityRepository;

  /**
   * Runs a statement of the hot paths: outside a transaction as a prepared statement on the pool,
   * inside one on the transaction's connection.
   */
  readonly run: RunStatement;
  private localNotifications: { channel: string; payload: string }[] = [];

  /** `pool`: given for the pooled store only, for the statements that go to pg directly. */
  constructor(
    readonly manager: EntityManager,
    private readonly notifyInProcess = false,
    pool: Pool | null = null,
  ) {
    this.run = pool ? preparedOn(pool, !notifyInProcess) : inTransaction(manager);
    this.tenants = new TenantRepository(manager);
    this.users = new UserRepository(manager);
    this.sessions = new SessionRepository(manager, this.run);
    this.apiKeys = new ApiKeyRepository(manager);
    this.audit = new AuditEventRepository(manager);
    this.policies = new TenantPolicyRepository(manager);
    this.challenges = new SmsChallengeRepository(manager, this.run, !notifyInProcess);
    this.outbox = new SmsOutboxRepository(manager, this.run);
    this.smsProviders = new SmsProviderConfigRepository(manager);
    this.prefixVelocity = new SmsPrefixVelocityRepository(manager);
  }

  /**
   * The writes as one statement (`combineWrites`), with their notifications. On the pooled store the
   * statement commits on its own; use `Database.write` there, which also serves in-process subscribers.
   */
  async write(writes: readonly Write[], notifications: readonly Notification[] = []): Promise<void> {
    this.localNotifications.push(...(await executeWrites(this.run, writes, notifications, this.notifyInProcess)));
  }

  /** NOTIFY `channel`: delivered to every replica's subscribers when the transaction commits. */
  async notify(channel: string, payload: string): Promise<void> {
    if (this.notifyInProcess) this.localNotifications.push({ channel, payload });
    else await this.manager.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  takeLocalNotifications(): { channel: string; payload: string }[] {
    const taken = this.localNotifications;
    this.localNotifications = [];
    return taken;
  }
}

/**
 * Runs the writes as one statement on `manager`, their notifications riding in it; with `inProcess`
 * (the embedded database) the notifications are returned instead, for the caller to deliver after commit.
 */
export async function executeWrites(
  run: RunStatement, writes: readonly Write[], notifications: readonly Notification[], inProcess: boolean,
): Promise<readonly Notification[]> {
  const combined = combineWrites(writes, inProcess ? [] : notifications);
  await run(combined.sql, combined.params);
  return inProcess ? notifications : [];
}

/** Statements on a transaction's connection, answering their rows whatever the command. */
function inTransaction(manager: EntityManager): RunStatement {
  return async <R>(sql: string, params: readonly unknown[]) => {
    if (!manager.queryRunner) throw new Error('a store without a pool runs inside a transaction');
    return (await manager.queryRunner.query(sql, [...params], true)).records as R[];
  };
}
