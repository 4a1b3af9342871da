import { createHmac, createSecretKey, KeyObject } from 'node:crypto';
import { maskPhoneNumber } from '@honnin/otp';
import { LimitsPolicy } from '@honnin/policy';
import { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { RequestContext } from '../common/clock';
import { IdentityError } from '../errors/identity-error';
import { CounterLeases, LeaseTake } from './counter-leases';
import { consumed, CounterHit, LimiterSpec, RateLimiters } from './rate-limit-store';
import type { AttemptBudget, CountedLimit, CountedWrite } from '@honnin/persistence';

/** What a counter is keyed by (audit details and the metric's `key` label); `prefix` is a held calling code. */
export type RateLimitKey = 'phone' | 'user' | 'ip' | 'tenant' | 'account' | 'login_ip' | 'prefix';

/** A refusal, reported for the audit log and metrics. Never a raw number or login id. */
export interface RateLimitTrip {
  tenantId: string;
  key: RateLimitKey;
  /** The policy field that was exceeded (`sendsPerPhonePerHour`, …). */
  limit: keyof LimitsPolicy | 'loginBackoff' | 'prefixHold';
  retryAfterSeconds: number;
  userId: string | null;
  sessionId: string | null;
  context: RequestContext | null;
  maskedPhoneNumber?: string;
  /** The held calling code, for key `prefix`. */
  prefix?: string;
}

/** Who is asking, for the counters' keys and the audit event of a refusal. */
export interface LimitedCaller {
  tenantId: string;
  userId: string | null;
  sessionId: string | null;
  context: RequestContext | null;
}

/** A login attempt that passed the throttle; settle it with loginFailed or loginSucceeded. */
export interface LoginAttempt {
  caller: LimitedCaller;
  accountKey: string;
  ipKey: string | null;
  /** This attempt's place among the account's failures in a row (counted before the password is checked). */
  ordinal: number;
  limits: LimitsPolicy;
}

/** How one send's counter is counted: in the store, from units leased ahead, or by a take for a lease. */
type SendCounter =
  | { kind: 'counted'; hit: CounterHit }
  | { kind: 'leased'; leaseId: string }
  | { kind: 'taken'; leaseId: string; hit: CounterHit; take: LeaseTake };

/** A send's counters and what they were made from (to name the one that refuses). */
interface PlannedSend {
  caller: LimitedCaller;
  e164: string;
  checks: readonly (readonly [RateLimitKey, keyof LimitsPolicy, string, number, string | null])[];
  counters: SendCounter[];
}

/** A send whose per-key counters its queuing write counts (`RateLimits.beginSmsSend`). */
export interface PendingSmsSend {
  /** For `Database.writeCounted`; empty when everything was counted already. */
  limits: CountedLimit[];
  /** After the write: null when it was made; else the refusal, reported, its units given back. */
  settle(written: CountedWrite): Promise<IdentityError | null>;
}

const HOUR = 3600;
const DAY = 24 * HOUR;
/** How long an account remembers failed logins without a success. */
const LOGIN_FAILURE_MEMORY_SECONDS = DAY;
const MAX_LOGIN_BACKOFF_SECONDS = 15 * 60;
/** Digests of counter keys kept in memory (`keyOf`); the oldest go first. */
const REMEMBERED_DIGESTS = 10_000;
/** How long one attempt past the budget holds the account's gate if it never settles (a crash). */
const LOGIN_GATE_HOLD_SECONDS = 60;

/** Seconds an account waits after its n-th failure past the budget (0: the failure that reached it): 1, 2, 4, … 900. */
export function loginBackoffSeconds(failuresPastBudget: number): number {
  return Math.min(MAX_LOGIN_BACKOFF_SECONDS, 2 ** Math.max(0, failuresPastBudget));
}

function verifyFailuresSpec(limits: LimitsPolicy): LimiterSpec {
  return { name: 'verify_user_hour', points: limits.verifyFailuresPerUserPerHour, durationSeconds: HOUR };
}

/** A counter a statement of the database found at or over its limit, as the limiter would answer it. */
function spentCounter(counter: { points: number; expiresAt: number | null }): RateLimiterRes {
  return new RateLimiterRes(0, counter.expiresAt === null ? -1 : Math.max(counter.expiresAt - Date.now(), 0), counter.points, false);
}

export function retryAfterSeconds(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/**
 * Send, verify and login limits of the tenant policy (SECURITY 5, 8, 15), counted in shared storage.
 * Keys are the tenant id and an HMAC of the value, so the store never holds a number, login id or IP.
 * Call these outside any transaction: on the embedded database the store shares its one connection.
 */
export class RateLimits {
  private readonly keyMaterial: KeyObject;
  /**
   * Digests of the values sends and logins came from lately: a user or an address sends again and
   * again, and an HMAC costs more than the rest of a counter's bookkeeping.
   */
  private readonly digests = new Map<string, string>();
  private readonly leases = new CounterLeases();

  /** `enabled` false (RATE_LIMITS=off, never in production) counts nothing and refuses nothing. */
  constructor(
    private readonly limiters: RateLimiters,
    secret: string,
    private readonly onTripped: (trip: RateLimitTrip) => void,
    private readonly enabled = true,
  ) {
    this.keyMaterial = createSecretKey(createHmac('sha256', secret).update('honnin/rate-limit-keys').digest());
  }

  /**
   * Counts one SMS about to be sent, per phone (hour, day), user, IP and tenant (hour, day), most specific first;
   * the first counter over its limit refuses with RATE_LIMITED and the rest are left alone. The tenant's
   * budgets, which every send of the tenant counts, are taken ahead in leases (CounterLeases).
   */
  async consumeSmsSend(caller: LimitedCaller, e164: string, limits: LimitsPolicy): Promise<void> {
    if (!this.enabled) return;
    const send = this.planSend(caller, e164, limits);
    const refusal = this.settleSend(send, await this.count(send.counters));
    if (refusal) throw await refusal;
  }

  /**
   * The same limits for a send whose queuing write can count them itself (`Database.writeCounted`: the
   * counters are rows of its database): the tenant's budgets are counted now, the per-key counters are
   * left to the write, which is made only if they stay within their limits. With counters kept
   * elsewhere, or limits off, everything is settled now and the write counts nothing.
   */
  async beginSmsSend(caller: LimitedCaller, e164: string, limits: LimitsPolicy): Promise<PendingSmsSend> {
    if (!this.enabled || !this.limiters.inDatabase) {
      await this.consumeSmsSend(caller, e164, limits);
      return { limits: [], settle: async () => null };
    }
    const send = this.planSend(caller, e164, limits);
    const tenant = send.counters.filter((counter) => counter.kind !== 'counted');
    const refusal = this.settleSend(
      { ...send, checks: send.checks.filter((_, i) => send.counters[i].kind !== 'counted'), counters: tenant },
      await this.count(tenant),
    );
    if (refusal) throw await refusal;
    const now = Date.now();
    const perKey = send.counters.flatMap((counter, index) => (counter.kind === 'counted' ? [{ counter: counter.hit, index }] : []));
    return {
      limits: perKey.map(({ counter }) => ({ key: this.limiters.rowKey(counter.spec, counter.key) as string, expiresAt: now + counter.spec.durationSeconds * 1000, limit: counter.spec.points })),
      settle: async (written) => {
        if (written.written) return null;
        // The first counter over its limit refuses; the counters after it, all counted by the write, get their unit back.
        const first = written.counts.findIndex((count, i) => count.points > perKey[i].counter.spec.points);
        if (first < 0) throw new Error('a counted write was refused with every counter within its limit');
        const giveBack = perKey.slice(first + 1).map(({ counter }) => this.limiters.get(counter.spec).reward(counter.key, 1));
        for (const counter of tenant) this.leases.giveBack(counter.leaseId);
        await Promise.all(giveBack);
        return this.refusalOf(send, perKey[first].index, spentCounter(written.counts[first]));
      },
    };
  }

  /** The counters one send counts, most specific first: per-key counters, then the tenant's budgets from leases. */
  private planSend(caller: LimitedCaller, e164: string, limits: LimitsPolicy): PlannedSend {
    const checks = ([
      ['phone', 'sendsPerPhonePerHour', 'sms_phone_hour', HOUR, e164],
      ['phone', 'sendsPerPhonePerDay', 'sms_phone_day', DAY, e164],
      ['user', 'sendsPerUserPerHour', 'sms_user_hour', HOUR, caller.userId],
      ['ip', 'sendsPerIpPerHour', 'sms_ip_hour', HOUR, caller.context?.ip ?? null],
      ['tenant', 'sendsPerTenantPerHour', 'sms_tenant_hour', HOUR, ''],
      ['tenant', 'sendsPerTenantPerDay', 'sms_tenant_day', DAY, ''],
    ] as const).filter((check) => check[4] !== null);
    const counters: SendCounter[] = checks.map(([key, limit, name, durationSeconds, value]) => {
      const hit: CounterHit = { spec: { name, points: limits[limit], durationSeconds }, key: this.keyOf(caller.tenantId, key, value as string) };
      if (key !== 'tenant') return { kind: 'counted', hit };
      const leaseId = `${name}:${hit.key}|${hit.spec.points}`;
      if (this.leases.spend(leaseId)) return { kind: 'leased', leaseId };
      const take = this.leases.take(leaseId, hit.spec.points);
      return { kind: 'taken', leaseId, hit: { ...hit, units: take.units }, take };
    });
    return { caller, e164, checks, counters };
  }

  /** The store's counts for the counters that need one (not those spent from a lease), in one round trip or none. */
  private async count(counters: readonly SendCounter[]): Promise<RateLimiterRes[]> {
    const hits = counters.flatMap((counter) => (counter.kind === 'leased' ? [] : [counter.hit]));
    if (hits.length === 0) return [];
    try {
      return await this.limiters.consumeEach(hits);
    } catch (error) {
      for (const counter of counters) if (counter.kind === 'taken') this.leases.abandon(counter.take);
      throw error;
    }
  }

  /**
   * As if counted one by one, stopping at the refusal: the counters after it get their units back. The
   * refusal, reported, once the units are back; null when the send fits.
   */
  private settleSend(send: PlannedSend, counted: readonly RateLimiterRes[]): Promise<IdentityError> | null {
    let refused: { index: number; res: RateLimiterRes } | null = null;
    const giveBack: Promise<unknown>[] = [];
    let next = 0;
    for (const [index, counter] of send.counters.entries()) {
      if (counter.kind === 'leased') {
        if (refused) this.leases.giveBack(counter.leaseId);
        continue;
      }
      const res = counted[next++];
      const { spec, key } = counter.hit;
      if (counter.kind === 'taken') {
        if (!this.leases.settle(counter.take, res.consumedPoints, spec.points, Date.now() + res.msBeforeNext, !refused)) refused ??= { index, res };
      } else if (refused) {
        giveBack.push(this.limiters.get(spec).reward(key, 1));
      } else if (res.consumedPoints > spec.points) {
        refused = { index, res };
      }
    }
    if (!refused) return null;
    const { index, res } = refused;
    return Promise.all(giveBack).then(() => this.refusalOf(send, index, res));
  }

  private refusalOf(send: PlannedSend, index: number, res: RateLimiterRes): IdentityError {
    const [key, limit] = send.checks[index];
    // Masked only for a refusal: parsing the number costs every send otherwise.
    return this.refuse(send.caller, key, limit, res, key === 'phone' ? maskPhoneNumber(send.e164) : undefined);
  }

  /** Before a code is compared: TOO_MANY_ATTEMPTS once the user spent `verifyFailuresPerUserPerHour`. */
  async checkVerifyBudget(caller: LimitedCaller & { userId: string }, limits: LimitsPolicy): Promise<void> {
    if (!this.enabled) return;
    const res = await this.verifyFailures(limits).get(this.keyOf(caller.tenantId, 'user', caller.userId));
    if (res && res.consumedPoints >= limits.verifyFailuresPerUserPerHour) throw this.verifyBudgetSpent(caller, res);
  }

  /**
   * The user's failure budget as the row the attempt's own statement checks (`AttemptBudget`), when the
   * counters are in the database; null when limits are off or `checkVerifyBudget` must read it first.
   */
  verifyBudget(caller: LimitedCaller & { userId: string }, limits: LimitsPolicy): AttemptBudget | null {
    if (!this.enabled) return null;
    const counterKey = this.limiters.rowKey(verifyFailuresSpec(limits), this.keyOf(caller.tenantId, 'user', caller.userId));
    return counterKey ? { counterKey, limit: limits.verifyFailuresPerUserPerHour } : null;
  }

  /** TOO_MANY_ATTEMPTS for a spent failure budget (read by `checkVerifyBudget` or by the attempt's statement), reported. */
  verifyBudgetSpent(caller: LimitedCaller & { userId: string }, spent: RateLimiterRes | { points: number; expiresAt: number | null }): IdentityError {
    this.report(caller, 'user', 'verifyFailuresPerUserPerHour', spent instanceof RateLimiterRes ? spent : spentCounter(spent));
    return new IdentityError('TOO_MANY_ATTEMPTS', 'Too many wrong codes; start again later.');
  }

  async countVerifyFailure(caller: LimitedCaller & { userId: string }, limits: LimitsPolicy): Promise<void> {
    if (!this.enabled) return;
    await consumed(this.verifyFailures(limits), this.keyOf(caller.tenantId, 'user', caller.userId));
  }

  /**
   * Before the password is hashed. Failures are counted pessimistically (this attempt counts until it
   * succeeds), so a burst of parallel guesses gets at most `loginFailuresPerAccount` + 1 through. Past
   * the budget one attempt at a time passes the account's gate, and each failure closes it for 1, 2,
   * 4, … s. The account key is the tenant and the normalised login id, whether or not it exists.
   */
  async beginLogin(caller: LimitedCaller, loginId: string, limits: LimitsPolicy): Promise<LoginAttempt> {
    const ip = caller.context?.ip ?? null;
    const ipKey = ip === null ? null : this.keyOf(caller.tenantId, 'login_ip', ip);
    const accountKey = this.keyOf(caller.tenantId, 'account', loginId);
    if (!this.enabled) return { caller, accountKey, ipKey, ordinal: 0, limits };
    const ipLimiter = this.loginIp(limits);
    if (ipKey) {
      const res = await consumed(ipLimiter, ipKey);
      if (res.consumedPoints > limits.loginFailuresPerIpPerHour) {
        await ipLimiter.reward(ipKey, 1);
        throw this.refuse(caller, 'login_ip', 'loginFailuresPerIpPerHour', res);
      }
    }
    const failures = this.loginFailures(limits);
    const { consumedPoints: ordinal } = await consumed(failures, accountKey);
    if (ordinal > limits.loginFailuresPerAccount) {
      const gate = await consumed(this.loginGate(), accountKey);
      if (gate.consumedPoints > 1) {
        // A refused attempt is no failure: it neither lengthens the back-off nor counts for the IP.
        await failures.reward(accountKey, 1);
        if (ipKey) await ipLimiter.reward(ipKey, 1);
        throw this.refuse(caller, 'account', 'loginBackoff', gate);
      }
    }
    return { caller, accountKey, ipKey, ordinal, limits };
  }

  /** The attempt's failure stays counted; from the budget on, the account's gate closes for the back-off. */
  async loginFailed(attempt: LoginAttempt): Promise<void> {
    if (!this.enabled) return;
    const pastBudget = attempt.ordinal - attempt.limits.loginFailuresPerAccount;
    if (pastBudget >= 0) await this.loginGate().block(attempt.accountKey, loginBackoffSeconds(pastBudget));
  }

  /** A success forgets the account's failures and gives the IP its point back. */
  async loginSucceeded(attempt: LoginAttempt): Promise<void> {
    if (!this.enabled) return;
    await this.loginFailures(attempt.limits).delete(attempt.accountKey);
    await this.loginGate().delete(attempt.accountKey);
    if (attempt.ipKey) await this.loginIp(attempt.limits).reward(attempt.ipKey, 1);
  }

  private verifyFailures(limits: LimitsPolicy): RateLimiterAbstract {
    return this.limiters.get(verifyFailuresSpec(limits));
  }

  private loginFailures(limits: LimitsPolicy): RateLimiterAbstract {
    return this.limiters.get({ name: 'login_account', points: limits.loginFailuresPerAccount, durationSeconds: LOGIN_FAILURE_MEMORY_SECONDS });
  }

  private loginGate(): RateLimiterAbstract {
    return this.limiters.get({ name: 'login_gate', points: 1, durationSeconds: LOGIN_GATE_HOLD_SECONDS });
  }

  private loginIp(limits: LimitsPolicy): RateLimiterAbstract {
    return this.limiters.get({ name: 'login_ip', points: limits.loginFailuresPerIpPerHour, durationSeconds: HOUR });
  }

  private keyOf(tenantId: string, key: RateLimitKey, value: string): string {
    if (key === 'tenant') return tenantId;
    const input = `${key}\n${value}`;
    let digest = this.digests.get(input);
    if (digest === undefined) {
      digest = createHmac('sha256', this.keyMaterial).update(input).digest('base64url').slice(0, 32);
      if (this.digests.size >= REMEMBERED_DIGESTS) this.digests.delete(this.digests.keys().next().value as string);
      this.digests.set(input, digest);
    }
    return `${tenantId}:${digest}`;
  }

  private refuse(caller: LimitedCaller, key: RateLimitKey, limit: RateLimitTrip['limit'], res: RateLimiterRes, maskedPhoneNumber?: string): IdentityError {
    const retryAfter = this.report(caller, key, limit, res, maskedPhoneNumber);
    return new IdentityError('RATE_LIMITED', 'Too many requests; try again later.', { retryAfterSeconds: retryAfter });
  }

  private report(caller: LimitedCaller, key: RateLimitKey, limit: RateLimitTrip['limit'], res: RateLimiterRes, maskedPhoneNumber?: string): number {
    const retryAfter = retryAfterSeconds(res);
    this.onTripped({ ...caller, key, limit, retryAfterSeconds: retryAfter, ...(maskedPhoneNumber ? { maskedPhoneNumber } : {}) });
    return retryAfter;
  }
}
