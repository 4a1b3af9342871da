import { Database } from '@honnin/persistence';
import { deriveCodeKeyring } from '@honnin/otp';
import { Accounts } from './accounts/accounts';
import { Authorizer } from './accounts/authorizer';
import { AuditBuffer } from './audit/audit-buffer';
import { Clock, SystemClock } from './common/clock';
import { IdentityMetrics, NO_METRICS } from './common/identity-metrics';
import { SecretBox } from './common/secret-box';
import { RateLimiters, RateLimitStore } from './limits/rate-limit-store';
import { RateLimits, RateLimitTrip } from './limits/rate-limits';
import { SmsPumpingDefence } from './limits/sms-pumping';
import { DeliveryReceipts } from './sms/delivery-receipts';
import { ReceiptPaths } from './sms/receipt-paths';
import { PasswordHasher } from './passwords/password-hasher';
import { TenantPolicies } from './policy/tenant-policies';
import { Sessions } from './sessions/sessions';
import { SmsChallenges } from './sms/sms-challenges';
import { SmsDispatcher, SmsDispatcherOptions, SmsHandOff } from './sms/sms-dispatcher';
import { SmsProviders } from './sms/sms-providers';
import { TenantAdmin } from './tenants/tenant-admin';
import { TenantDirectory } from './tenants/tenant-directory';

export interface IdentityOptions {
  db: Database;
  operatorToken: string | null;
  /** HONNIN_SECRET: keys for code HMACs and for encrypting credentials and outbox bodies. */
  secret: string;
  production: boolean;
  /** Base URL providers reach this service at, for delivery-receipt callbacks. */
  publicUrl?: string | null;
  metrics?: IdentityMetrics;
  /** Errors of work done off the request path (buffered audit writes). */
  onBackgroundError?: (error: Error) => void;
  clock?: Clock;
  /** Where send, verify and login counters are kept (default: this database). */
  rateLimitStore?: RateLimitStore;
  /** False turns the per-key rate limits and the SMS-pumping defence off (default true; the gateway refuses false in production). */
  rateLimits?: boolean;
}

/** Every identity use case, wired to one database. Apps hold one of these. */
export class Identity {
  readonly clock: Clock;
  readonly tenants: TenantDirectory;
  readonly policies: TenantPolicies;
  readonly sessions: Sessions;
  readonly authorizer: Authorizer;
  readonly accounts: Accounts;
  readonly admin: TenantAdmin;
  readonly smsProviders: SmsProviders;
  readonly smsChallenges: SmsChallenges;
  readonly deliveryReceipts: DeliveryReceipts;
  readonly smsPumping: SmsPumpingDefence;
  private readonly box: SecretBox;
  private readonly refusals: AuditBuffer;
  private readonly receiptPaths: ReceiptPaths;
  private readonly metrics: IdentityMetrics;
  private readonly limiters: RateLimiters;

  private constructor(readonly db: Database, options: IdentityOptions, limiters: RateLimiters) {
    this.clock = options.clock ?? new SystemClock();
    this.box = new SecretBox(options.secret);
    this.tenants = new TenantDirectory(db);
    this.policies = new TenantPolicies(db);
    this.sessions = new Sessions(db, this.tenants, this.policies, this.clock);
    this.refusals = new AuditBuffer(db, options.onBackgroundError ?? (() => undefined));
    this.authorizer = new Authorizer(this.refusals, this.clock);
    this.metrics = options.metrics ?? NO_METRICS;
    this.limiters = limiters;
    const limitsOn = options.rateLimits ?? true;
    const limits = new RateLimits(limiters, options.secret, (trip) => this.rateLimitTripped(trip), limitsOn);
    this.smsPumping = new SmsPumpingDefence(db, this.metrics, this.clock, (trip) => this.rateLimitTripped(trip), limitsOn);
    this.receiptPaths = new ReceiptPaths(options.secret, options.publicUrl ?? null);
    this.smsProviders = new SmsProviders(db, this.box, this.receiptPaths, this.clock, options.production);
    this.deliveryReceipts = new DeliveryReceipts(db, this.smsProviders, this.receiptPaths, this.metrics, this.clock);
    this.smsChallenges = new SmsChallenges(db, this.sessions, this.authorizer, this.smsProviders, deriveCodeKeyring(options.secret), this.box, limits, this.smsPumping, this.clock);
    this.accounts = new Accounts(db, this.tenants, this.policies, this.sessions, new PasswordHasher(), this.smsChallenges, limits, this.clock);
    this.admin = new TenantAdmin(db, this.tenants, this.policies, this.clock, options.operatorToken);
  }

  /**
   * The outbox dispatcher for this database; the caller starts and stops it, and hands it the messages
   * this process writes (`handOffSmsTo`) when it runs beside the requests.
   */
  createDispatcher(options: SmsDispatcherOptions): SmsDispatcher {
    return new SmsDispatcher(this.db, this.smsProviders, this.box, this.receiptPaths, this.metrics, this.clock, options);
  }

  /** Messages of new challenges go to `handOff` as they are written (see `SmsHandOff`); null stops that. */
  handOffSmsTo(handOff: SmsHandOff | null): void {
    this.smsChallenges.handOffTo(handOff);
  }

  static async start(options: IdentityOptions): Promise<Identity> {
    const limiters = await RateLimiters.open(options.db, options.rateLimitStore ?? { kind: 'postgres' });
    const identity = new Identity(options.db, options, limiters);
    await identity.policies.start();
    await identity.smsProviders.start();
    await identity.smsPumping.start();
    return identity;
  }

  /** Stops background work and writes what is buffered. */
  async stop(): Promise<void> {
    this.policies.stop();
    await this.refusals.flush();
    await this.limiters.close();
  }

  /** Refusals come in floods under attack, so their audit events go through the batching buffer. */
  private rateLimitTripped(trip: RateLimitTrip): void {
    this.refusals.record({
      tenantId: trip.tenantId, type: 'rate_limit.tripped', outcome: 'refused', at: this.clock.now(), userId: trip.userId, sessionId: trip.sessionId, context: trip.context,
      details: { key: trip.key, limit: trip.limit, retryAfterSeconds: trip.retryAfterSeconds, ...(trip.maskedPhoneNumber ? { phone: trip.maskedPhoneNumber } : {}), ...(trip.prefix ? { prefix: trip.prefix } : {}) },
    });
    this.metrics.rateLimited(trip.tenantId, trip.key);
  }
}
