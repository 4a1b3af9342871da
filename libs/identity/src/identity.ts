import { Database } from '@honnin/persistence';
import { Accounts } from './accounts/accounts';
import { Clock, SystemClock } from './common/clock';
import { PasswordHasher } from './passwords/password-hasher';
import { TenantPolicies } from './policy/tenant-policies';
import { Sessions } from './sessions/sessions';
import { TenantAdmin } from './tenants/tenant-admin';
import { TenantDirectory } from './tenants/tenant-directory';

export interface IdentityOptions {
  db: Database;
  operatorToken: string | null;
  clock?: Clock;
}

/** Every identity use case, wired to one database. Apps hold one of these. */
export class Identity {
  readonly clock: Clock;
  readonly tenants: TenantDirectory;
  readonly policies: TenantPolicies;
  readonly sessions: Sessions;
  readonly accounts: Accounts;
  readonly admin: TenantAdmin;

  private constructor(readonly db: Database, options: IdentityOptions) {
    this.clock = options.clock ?? new SystemClock();
    this.tenants = new TenantDirectory(db);
    this.policies = new TenantPolicies(db);
    this.sessions = new Sessions(db, this.tenants, this.policies, this.clock);
    this.accounts = new Accounts(db, this.tenants, this.policies, this.sessions, new PasswordHasher(), this.clock);
    this.admin = new TenantAdmin(db, this.tenants, this.policies, this.clock, options.operatorToken);
  }

  static async start(options: IdentityOptions): Promise<Identity> {
    const identity = new Identity(options.db, options);
    await identity.policies.start();
    return identity;
  }

  stop(): void {
    this.policies.stop();
  }
}
