import { randomInt, randomUUID } from 'node:crypto';
import {
  auditInsert, challengeInsert, CompletionOutcome, Database, isUniqueViolation, Notification, OutboxKind, outboxInsert, SmsChallengeEntity,
  SmsOutboxMessageEntity, Store, TenantEntity, Write,
} from '@honnin/persistence';
import {
  attemptsRemaining, ChallengePurpose, checkPhoneRules, CodeKeyring, effectiveStatus, generateCode, hashCode,
  maskPhoneNumber, normalizeCodeInput, parsePhoneNumber, renderPhoneChangeNotice, renderSmsMessage, resendAvailableAt,
  resendDecision, verificationOutcome, verifyCode,
} from '@honnin/otp';
import { AuthMethod, HIGH_RISK_CALLING_CODES, TenantPolicy } from '@honnin/policy';
import { createTwilioVerifyDelegatedProvider, providerPost } from '@honnin/sms';
import { AuditEntry, recordAudit, toAuditRow } from '../audit/audit-log';
import { Clock } from '../common/clock';
import { isUuid } from '../common/ids';
import { SecretBox } from '../common/secret-box';
import { IdentityError } from '../errors/identity-error';
import { LimitedCaller, RateLimits } from '../limits/rate-limits';
import { SmsPumpingDefence } from '../limits/sms-pumping';
import type { SignedIn } from '../accounts/accounts';
import { Authorizer } from '../accounts/authorizer';
import type { HandedOverSms, SmsHandOff } from './sms-dispatcher';
import { ConfiguredSmsProvider, SmsProviders } from './sms-providers';
import { sessionExpiry, Sessions, Viewer } from '../sessions/sessions';

export const SMS_OUTBOX_CHANNEL = 'sms_outbox';

/** A challenge as its owner sees it. */
export interface SmsChallengeView {
  id: string;
  purpose: ChallengePurpose;
  maskedPhoneNumber: string;
  expiresAt: Date;
  resendAvailableAt: Date | null;
  attemptsRemaining: number;
  codeLength: number;
  status: string;
  deliveryStatus: string;
}

const NOTICE_TTL_MS = 24 * 3600 * 1000;
const LOCALE = /^[a-z]{2}(-[A-Z]{2})?$/;

/** SMS one-time codes: step-up to AAL2 and phone enrolment (SECURITY 1-7, 9-12, 16). */
export class SmsChallenges {
  private handOff: SmsHandOff | null = null;

  constructor(
    private readonly db: Database,
    private readonly sessions: Sessions,
    private readonly authorizer: Authorizer,
    private readonly providers: SmsProviders,
    private readonly keyring: CodeKeyring,
    private readonly box: SecretBox,
    private readonly limits: RateLimits,
    private readonly pumping: SmsPumpingDefence,
    private readonly clock: Clock,
  ) {}

  async start(viewer: Viewer, input: { purpose: ChallengePurpose; phoneNumber?: string | null; locale?: string | null }): Promise<SmsChallengeView> {
    const policy = viewer.policy.policy;
    const locale = this.localeOf(input.locale, policy);
    const phone = input.purpose === 'STEP_UP'
      ? this.stepUpPhone(viewer, input.phoneNumber)
      : await this.enrolmentPhone(viewer, input.phoneNumber, policy);
    const caller = callerOf(viewer);
    // The tenant's budgets and the pumping defence now; the per-number, per-user and per-address
    // counters with the write that queues the SMS, which is made only if they stay within their limits.
    const send = await this.limits.beginSmsSend(caller, phone, policy.limits);
    const uncountPrefixSend = await this.pumping.checkSend(caller, phone, policy.limits);
    const now = this.clock.now();
    const delegated = await this.delegationFor(viewer.tenant.id, phone);
    const lease = this.handOff?.leaseFor(now) ?? null;
    const created = this.creation({ tenant: viewer.tenant, userId: viewer.user.id, sessionId: viewer.session.id, purpose: input.purpose, phone, locale, policy, now, context: viewer, delegated, lease });
    const refusal = await send.settle(await this.db.writeCounted(created.writes, created.notifications, send.limits));
    if (refusal) {
      // As if the per-key limits had been checked first: a send they refuse is no part of a burst.
      uncountPrefixSend();
      throw refusal;
    }
    if (created.handedOver) this.handOff?.takeOver([created.handedOver]);
    return this.view(created.challenge, policy);
  }

  /**
   * From now on, messages of new challenges are written already claimed by `handOff` (this process's
   * dispatcher) and handed to it once committed, instead of waiting for a NOTIFY and a claim.
   */
  handOffTo(handOff: SmsHandOff | null): void {
    this.handOff = handOff;
  }

  /**
   * The provider that will make the code itself, if any. Read before the challenge's transaction opens:
   * a read through the pool while a transaction holds the only embedded connection would wait forever.
   */
  delegationFor(tenantId: string, phone: string): Promise<ConfiguredSmsProvider | null> {
    const parsed = parsePhoneNumber(phone);
    return this.providers.delegatedFor(tenantId, parsed.ok ? parsed.country : null);
  }

  /** signUp with a phone number: the enrolment starts in the transaction that creates the user. */
  async startEnrolment(
    store: Store,
    at: { tenant: TenantEntity; userId: string; sessionId: string; phone: string; policy: TenantPolicy; now: Date; context: Pick<Viewer, 'context'>; delegated: ConfiguredSmsProvider | null },
  ): Promise<SmsChallengeView> {
    const created = this.creation({ ...at, purpose: 'ENROLL_PHONE', locale: at.policy.messages.defaultLocale, lease: null });
    await store.write(created.writes, created.notifications);
    return this.view(created.challenge, at.policy);
  }

  /**
   * A phone number as typed, checked against the tenant's rules; its E.164 form. A number under a
   * high-risk calling code is refused first unless the tenant allows its prefix; then the tenant's
   * own rules (countries, blocked prefixes, number type) still apply.
   */
  acceptablePhone(input: string, policy: TenantPolicy): string {
    const parsed = parsePhoneNumber(input, policy.phone.allowedCountries.length === 1 ? policy.phone.allowedCountries[0] : undefined);
    if (!parsed.ok) throw IdentityError.badInput([{ field: 'phoneNumber', message: 'is not a valid phone number' }]);
    if (isUnlistedHighRisk(parsed.e164, policy.phone.allowedHighRiskPrefixes)) {
      throw new IdentityError('PHONE_NOT_ALLOWED', 'This phone number cannot be used here.', { reason: 'BLOCKED_PREFIX' });
    }
    const rules = checkPhoneRules(parsed, policy.phone);
    if (!rules.ok) throw new IdentityError('PHONE_NOT_ALLOWED', 'This phone number cannot be used here.', { reason: rules.reason });
    return parsed.e164;
  }

  async get(viewer: Viewer, id: string): Promise<SmsChallengeView | null> {
    const challenge = isUuid(id) ? await this.db.store.challenges.findOwned(ownerOf(viewer), id) : null;
    return challenge ? this.view(challenge, viewer.policy.policy) : null;
  }

  /** New code, old one dead; attempts are never reset (SECURITY 5). */
  async resend(viewer: Viewer, id: string): Promise<SmsChallengeView> {
    const policy = viewer.policy.policy;
    const challenge = isUuid(id) ? await this.db.store.challenges.findOwned(ownerOf(viewer), id) : null;
    if (!challenge) throw notFound();
    const now = this.clock.now();
    const decision = resendDecision(challenge, now, policy.otp.resendCooldownSeconds);
    if (decision.kind === 'cooldown') throw rateLimited(decision.retryAfterSeconds);
    if (decision.kind === 'send_limit') throw rateLimited(Math.max(1, Math.ceil((challenge.expiresAt.getTime() - now.getTime()) / 1000)));
    if (decision.kind === 'not_pending') throw stateError(decision.status);
    await this.consumeSend(callerOf(viewer), challenge.phoneE164, policy);
    const code = challenge.delegatedProviderId ? null : generateCode(challenge.codeLength, randomInt);
    const hash = code ? hashCode(this.keyring, challenge.id, code) : null;
    const expiresAt = new Date(now.getTime() + policy.otp.ttlSeconds * 1000);
    const updated = await this.db.transaction(async (store) => {
      const replaced = await store.challenges.replaceCode(viewer.tenant.id, challenge.id, {
        previousSends: challenge.sends, codeKeyId: hash?.keyId ?? null, codeHash: hash?.hash ?? null, providerVerificationId: challenge.providerVerificationId, sentAt: now, expiresAt,
      });
      if (!replaced) throw rateLimited(policy.otp.resendCooldownSeconds);
      await store.outbox.cancelPendingForChallenge(challenge.id);
      const queued = this.queuedCode({ ...challenge, expiresAt }, code, policy, now, null);
      const audit = auditInsert(toAuditRow({ tenantId: viewer.tenant.id, type: 'sms_challenge.resent', outcome: 'success', at: now, userId: viewer.user.id, sessionId: viewer.session.id, context: viewer.context, details: { challengeId: challenge.id, sends: challenge.sends + 1 } }));
      await store.write([queued.write, audit], queued.notifications);
      return { ...challenge, sends: challenge.sends + 1, lastSentAt: now, expiresAt, deliveryStatus: 'PENDING' as const };
    });
    return this.view(updated, policy);
  }

  /**
   * The attempt is counted in the database before the code is compared; success spends the challenge
   * with one conditional UPDATE and replaces the session (new token, AAL2).
   */
  async verify(viewer: Viewer, input: { challengeId: string; code: string }): Promise<SignedIn> {
    const policy = viewer.policy.policy;
    const now = this.clock.now();
    if (!isUuid(input.challengeId)) throw notFound();
    const caller = callerOf(viewer);
    // The user's failure budget: checked by the attempt's own statement where the counters are in the
    // database, read first where they are not. Either way, a spent budget refuses before the attempt counts.
    const budget = this.limits.verifyBudget(caller, policy.limits);
    if (!budget) await this.limits.checkVerifyBudget(caller, policy.limits);
    const attempt = await this.db.store.challenges.countAttempt(ownerOf(viewer), input.challengeId, budget);
    if (attempt.kind === 'over_budget') throw this.limits.verifyBudgetSpent(caller, attempt);
    if (attempt.kind === 'not_pending') {
      const existing = await this.db.store.challenges.findOwned(ownerOf(viewer), input.challengeId);
      throw existing ? stateError(effectiveStatus(existing, now)) : notFound();
    }
    const counted = attempt.challenge;
    const code = normalizeCodeInput(input.code);
    const comparable = counted.attempts <= counted.maxAttempts && counted.expiresAt > now;
    const matches = comparable && (counted.delegatedProviderId
      ? await this.checkWithProvider(viewer, counted, code)
      : counted.codeKeyId !== null && counted.codeHash !== null && verifyCode(this.keyring, counted.id, code, { keyId: counted.codeKeyId, hash: counted.codeHash }));
    const outcome = verificationOutcome(counted, matches, now);
    switch (outcome.kind) {
      case 'verified':
        return this.complete(viewer, counted, now);
      case 'invalid_code':
        await this.recordFailure(viewer, counted, now, outcome.attemptsRemaining === 0);
        throw new IdentityError('INVALID_CODE', 'The code is wrong.', { attemptsRemaining: outcome.attemptsRemaining });
      case 'expired':
        await this.db.store.challenges.settle(viewer.tenant.id, counted.id, 'EXPIRED');
        throw new IdentityError('CODE_EXPIRED', 'The code has expired; request a new one.');
      case 'too_many_attempts':
        await this.recordFailure(viewer, counted, now, false);
        throw tooManyAttempts();
      case 'not_pending':
        throw notFound();
    }
  }

  /**
   * Spends the challenge and stores what that grants in ONE statement, no BEGIN or COMMIT, shared with
   * the verifications of the same moment: the number attached (enrolment) or the old session ended
   * (step-up), the new session, the audit events, the notice to a replaced number.
   */
  private async complete(viewer: Viewer, challenge: SmsChallengeEntity, now: Date): Promise<SignedIn> {
    const policy = viewer.policy.policy;
    const enrolment = challenge.purpose === 'ENROLL_PHONE';
    const inserts: Write[] = [];
    const notifications: Notification[] = [];
    const previous = viewer.user.phoneE164;
    if (enrolment) {
      if (previous && previous !== challenge.phoneE164) {
        const notice = this.queuedChangeNotice(viewer, previous, policy, now);
        inserts.push(notice.write);
        notifications.push(...notice.notifications);
      }
      inserts.push(auditInsert(toAuditRow({ tenantId: viewer.tenant.id, type: previous ? 'phone.changed' : 'phone.enrolled', outcome: 'success', at: now, userId: viewer.user.id, sessionId: viewer.session.id, context: viewer.context, details: { challengeId: challenge.id, phone: maskPhoneNumber(challenge.phoneE164) } })));
    }
    const methods: AuthMethod[] = [...viewer.session.amr.filter((m) => m !== 'mfa'), 'sms'];
    const issued = this.sessions.prepare({
      tenantId: viewer.tenant.id, userId: viewer.user.id, methods, authenticatedAt: viewer.session.authenticatedAt, aal2VerifiedAt: now, context: viewer.context,
    });
    inserts.push(issued.write, auditInsert(toAuditRow({ tenantId: viewer.tenant.id, type: 'sms_challenge.verified', outcome: 'success', at: now, userId: viewer.user.id, sessionId: issued.session.id, context: viewer.context, details: { challengeId: challenge.id, purpose: challenge.purpose, previousSessionId: viewer.session.id } })));
    let outcome: CompletionOutcome;
    try {
      outcome = await this.db.completeChallenge({
        tenantId: viewer.tenant.id, challengeId: challenge.id, userId: viewer.user.id, at: now,
        phone: enrolment ? { e164: challenge.phoneE164, unique: policy.phone.uniquePerTenant } : null,
        // A step-up replaces the session (SECURITY 16). An enrolment leaves the old one as it was, never
        // raised, so a client that signed up keeps its AAL1 token and gets an AAL2 one beside it.
        revokeSessionId: enrolment ? null : viewer.session.id,
        inserts, notifications,
      });
    } catch (error) {
      if (!isUniqueViolation(error, 'users_tenant_phone_unique_key')) throw error;
      outcome = 'phone_taken';
    }
    if (outcome === 'not_pending') throw notFound();
    if (outcome === 'phone_taken') {
      // Possession is proven, so the owner of this number may learn it is taken; the number is not attached.
      await this.db.store.challenges.settle(viewer.tenant.id, challenge.id, 'CANCELLED');
      await recordAudit(this.db.store, { tenantId: viewer.tenant.id, type: 'phone.enrolment_refused', outcome: 'refused', at: now, userId: viewer.user.id, sessionId: viewer.session.id, context: viewer.context, details: { challengeId: challenge.id, reason: 'phone_already_in_use' } });
      throw new IdentityError('PHONE_ALREADY_IN_USE', 'This phone number belongs to another account.');
    }
    return {
      token: issued.token,
      session: issued.session,
      user: { id: viewer.user.id, loginId: viewer.user.loginId, phoneE164: enrolment ? challenge.phoneE164 : previous },
      aal: issued.session.amr.includes('pwd') ? 'AAL2' : 'AAL1',
      expiresAt: sessionExpiry(issued.session, policy),
      nextStep: 'NONE',
    };
  }

  /**
   * Delegated verification (Twilio Verify): the provider compares, but the attempt was already counted
   * here, and expiry, session upgrade and audit stay ours.
   */
  private async checkWithProvider(viewer: Viewer, challenge: SmsChallengeEntity, code: string): Promise<boolean> {
    const configured = challenge.delegatedProviderId ? await this.providers.byId(challenge.delegatedProviderId) : null;
    if (!configured || !challenge.providerVerificationId) return false;
    const provider = createTwilioVerifyDelegatedProvider(configured.settings, { post: providerPost, log: () => undefined });
    const checked = await provider.checkVerification({ to: challenge.phoneE164, providerVerificationId: challenge.providerVerificationId, code });
    switch (checked.kind) {
      case 'approved':
        return true;
      case 'wrong_code':
        return false;
      case 'gone':
        await this.db.store.challenges.settle(viewer.tenant.id, challenge.id, 'EXPIRED');
        throw new IdentityError('CODE_EXPIRED', 'The code has expired; request a new one.');
      default:
        throw new IdentityError('DELIVERY_FAILED', 'The SMS provider could not check the code; try again.');
    }
  }

  /**
   * The send limits of SECURITY 8, counted once the number passed the tenant's rules and before the
   * transaction that queues the SMS; a send refused later (cooldown lost in a race) is not refunded.
   * The prefix velocity check comes last, so a send another limit refused is not counted toward a burst.
   */
  async consumeSend(caller: LimitedCaller, phone: string, policy: TenantPolicy): Promise<void> {
    await this.limits.consumeSmsSend(caller, phone, policy.limits);
    await this.pumping.checkSend(caller, phone, policy.limits);
  }

  private async recordFailure(viewer: Viewer, challenge: SmsChallengeEntity, now: Date, exhaustedNow: boolean): Promise<void> {
    await this.limits.countVerifyFailure(callerOf(viewer), viewer.policy.policy.limits);
    await recordAudit(this.db.store, { tenantId: viewer.tenant.id, type: 'sms_challenge.verify_failed', outcome: 'failure', at: now, userId: viewer.user.id, sessionId: viewer.session.id, context: viewer.context, details: { challengeId: challenge.id, attempts: challenge.attempts } });
    if (exhaustedNow) {
      await recordAudit(this.db.store, { tenantId: viewer.tenant.id, type: 'sms_challenge.exhausted', outcome: 'failure', at: now, userId: viewer.user.id, sessionId: viewer.session.id, context: viewer.context, details: { challengeId: challenge.id } });
    }
  }

  private stepUpPhone(viewer: Viewer, typed: string | null | undefined): string {
    const phone = viewer.user.phoneE164;
    if (!phone) throw new IdentityError('PHONE_REQUIRED', 'Enrol a phone number first.');
    if (typed) {
      // Typed as users do on the second screen, national form included: read it in the country of their number.
      const own = parsePhoneNumber(phone);
      const parsed = parsePhoneNumber(typed, own.ok && own.country ? own.country : undefined);
      if (!parsed.ok || parsed.e164 !== phone) throw new IdentityError('PHONE_MISMATCH', 'This is not the phone number on the account.');
    }
    return phone;
  }

  private async enrolmentPhone(viewer: Viewer, typed: string | null | undefined, policy: TenantPolicy): Promise<string> {
    if (!typed) throw new IdentityError('PHONE_REQUIRED', 'A phone number is needed to enrol.');
    const phone = this.acceptablePhone(typed, policy);
    // Replacing a verified number is itself sensitive (SECURITY 10).
    if (viewer.user.phoneE164) await this.authorizer.requireAction(viewer, 'account.change_phone');
    return phone;
  }

  private localeOf(requested: string | null | undefined, policy: TenantPolicy): string {
    if (!requested) return policy.messages.defaultLocale;
    if (!LOCALE.test(requested)) throw IdentityError.badInput([{ field: 'locale', message: 'must look like ja or en-US' }]);
    return requested;
  }

  /**
   * The rows that start a challenge, to write as one: the challenge, its outbox message and its audit
   * event. With a `lease`, the message is written claimed by this process's dispatcher, to hand over.
   */
  private creation(input: {
    tenant: TenantEntity; userId: string; sessionId: string; purpose: ChallengePurpose; phone: string; locale: string;
    policy: TenantPolicy; now: Date; context: Pick<Viewer, 'context'>; delegated: ConfiguredSmsProvider | null; lease: Date | null;
  }): { challenge: SmsChallengeEntity; writes: Write[]; notifications: Notification[]; handedOver: HandedOverSms | null } {
    const { policy, now, delegated } = input;
    const id = randomUUID();
    const code = delegated ? null : generateCode(policy.otp.length, randomInt);
    const hash = code ? hashCode(this.keyring, id, code) : null;
    const challenge: SmsChallengeEntity = {
      id, tenantId: input.tenant.id, userId: input.userId, sessionId: input.sessionId, purpose: input.purpose,
      phoneE164: input.phone, codeKeyId: hash?.keyId ?? null, codeHash: hash?.hash ?? null, codeLength: policy.otp.length,
      delegatedProviderId: delegated?.configId ?? null, providerVerificationId: null, status: 'PENDING', attempts: 0,
      maxAttempts: policy.otp.maxAttempts, sends: 1, maxSends: policy.otp.maxSendsPerChallenge, locale: input.locale,
      deliveryStatus: 'PENDING', expiresAt: new Date(now.getTime() + policy.otp.ttlSeconds * 1000), lastSentAt: now,
      createdAt: now, verifiedAt: null,
    };
    const queued = this.queuedCode(challenge, code, policy, now, input.lease);
    const started: AuditEntry = { tenantId: input.tenant.id, type: 'sms_challenge.started', outcome: 'success', at: now, userId: input.userId, sessionId: input.sessionId, context: input.context.context, details: { challengeId: id, purpose: input.purpose, phone: maskPhoneNumber(input.phone) } };
    return {
      challenge,
      writes: [challengeInsert(challenge), queued.write, auditInsert(toAuditRow(started))],
      notifications: queued.notifications,
      handedOver: queued.handedOver,
    };
  }

  /** Our own code in an encrypted body, or (code null) a request for the delegating provider to send its own. */
  private queuedCode(challenge: SmsChallengeEntity, code: string | null, policy: TenantPolicy, now: Date, lease: Date | null): QueuedSms {
    if (code === null) {
      return this.queued({ tenantId: challenge.tenantId, challengeId: challenge.id, kind: 'DELEGATED_VERIFICATION', to: challenge.phoneE164, text: null, locale: challenge.locale, now, expiresAt: challenge.expiresAt, lease });
    }
    const message = renderSmsMessage({
      templates: policy.messages.templates, locale: challenge.locale, defaultLocale: policy.messages.defaultLocale,
      appName: policy.messages.appName, code, ttlSeconds: policy.otp.ttlSeconds, webOtpDomain: policy.messages.webOtpDomain,
    });
    return this.queued({ tenantId: challenge.tenantId, challengeId: challenge.id, kind: 'ONE_TIME_CODE', to: challenge.phoneE164, text: message.text, locale: message.locale, now, expiresAt: challenge.expiresAt, lease });
  }

  private queuedChangeNotice(viewer: Viewer, oldPhone: string, policy: TenantPolicy, now: Date): QueuedSms {
    const notice = renderPhoneChangeNotice({ defaultLocale: policy.messages.defaultLocale, appName: policy.messages.appName });
    return this.queued({ tenantId: viewer.tenant.id, challengeId: null, kind: 'PHONE_CHANGE_NOTICE', to: oldPhone, text: notice.text, locale: notice.locale, now, expiresAt: new Date(now.getTime() + NOTICE_TTL_MS), lease: null });
  }

  /**
   * An outbox row with its body sealed to the row, and the NOTIFY that wakes the dispatchers once it
   * commits; or, with a `lease`, the row claimed by this process's dispatcher and the message to hand it.
   */
  private queued(m: { tenantId: string; challengeId: string | null; kind: OutboxKind; to: string; text: string | null; locale: string; now: Date; expiresAt: Date; lease: Date | null }): QueuedSms {
    const id = randomUUID();
    const message: SmsOutboxMessageEntity = {
      id, tenantId: m.tenantId, challengeId: m.challengeId, kind: m.kind, toE164: m.to, bodyCiphertext: m.text === null ? null : this.box.seal(m.text, outboxContext(id)),
      locale: m.locale, status: 'PENDING', attempts: m.lease ? 1 : 0, nextAttemptAt: m.now, claimedUntil: m.lease, expiresAt: m.expiresAt,
      providerConfigId: null, providerType: null, providerMessageId: null, lastOutcome: null, deliveryStatus: 'PENDING',
      createdAt: m.now, sentAt: null,
    };
    if (m.lease) return { write: outboxInsert(message), notifications: [], handedOver: { message, text: m.text } };
    // The tenant, not the message: the dispatcher only needs waking, and one NOTIFY wakes it for every message written together.
    return { write: outboxInsert(message), notifications: [{ channel: SMS_OUTBOX_CHANNEL, payload: m.tenantId }], handedOver: null };
  }

  private view(challenge: SmsChallengeEntity, policy: TenantPolicy): SmsChallengeView {
    const now = this.clock.now();
    return {
      id: challenge.id,
      purpose: challenge.purpose,
      maskedPhoneNumber: maskPhoneNumber(challenge.phoneE164),
      expiresAt: challenge.expiresAt,
      resendAvailableAt: resendAvailableAt(challenge, policy.otp.resendCooldownSeconds),
      attemptsRemaining: attemptsRemaining(challenge),
      codeLength: challenge.codeLength,
      status: effectiveStatus(challenge, now),
      deliveryStatus: challenge.deliveryStatus,
    };
  }
}

/** The associated data binding an outbox body to its row. */
export function outboxContext(outboxId: string): string {
  return `sms-outbox:${outboxId}`;
}

/** An outbox row to write, with the NOTIFY of its commit, or (written claimed) the message to hand over. */
interface QueuedSms {
  write: Write;
  notifications: Notification[];
  handedOver: HandedOverSms | null;
}

function ownerOf(viewer: Viewer) {
  return { tenantId: viewer.tenant.id, userId: viewer.user.id, sessionId: viewer.session.id };
}

function callerOf(viewer: Viewer): LimitedCaller & { userId: string } {
  return { tenantId: viewer.tenant.id, userId: viewer.user.id, sessionId: viewer.session.id, context: viewer.context };
}

function notFound(): IdentityError {
  return new IdentityError('CHALLENGE_NOT_FOUND', 'No such challenge.');
}

function tooManyAttempts(): IdentityError {
  return new IdentityError('TOO_MANY_ATTEMPTS', 'Too many wrong codes; start again later.');
}

function rateLimited(retryAfterSeconds: number): IdentityError {
  return new IdentityError('RATE_LIMITED', 'Too soon; try again later.', { retryAfterSeconds });
}

function stateError(status: string): IdentityError {
  if (status === 'EXPIRED') return new IdentityError('CODE_EXPIRED', 'The code has expired; request a new one.');
  if (status === 'EXHAUSTED') return tooManyAttempts();
  return notFound();
}

/** Under a built-in high-risk calling code and under none of the prefixes the tenant allows there. */
function isUnlistedHighRisk(e164: string, allowed: readonly string[]): boolean {
  return HIGH_RISK_CALLING_CODES.some((code) => e164.startsWith(code)) && !allowed.some((prefix) => e164.startsWith(prefix));
}
