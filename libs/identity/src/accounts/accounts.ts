import { Database } from '@honnin/persistence';
import { Aal } from '@honnin/policy';
import { recordAudit } from '../audit/audit-log';
import { Clock, RequestContext } from '../common/clock';
import { IdentityError } from '../errors/identity-error';
import { RateLimits } from '../limits/rate-limits';
import { PasswordHasher } from '../passwords/password-hasher';
import { normalisePassword, passwordProblems } from '../passwords/password-rules';
import { TenantPolicies } from '../policy/tenant-policies';
import { IssuedSession, sessionExpiry, Sessions, Viewer } from '../sessions/sessions';
import { SmsChallenges, SmsChallengeView } from '../sms/sms-challenges';
import { TenantDirectory } from '../tenants/tenant-directory';
import { normaliseLoginId } from './login-id';

export type NextStep = 'NONE' | 'VERIFY_PHONE' | 'ENROLL_PHONE';

export interface SignedIn extends IssuedSession {
  user: { id: string; loginId: string; phoneE164: string | null };
  aal: Aal;
  expiresAt: Date;
  nextStep: NextStep;
  /** The phone enrolment a sign-up with a number started. */
  smsChallenge?: SmsChallengeView;
}

export class Accounts {
  constructor(
    private readonly db: Database,
    private readonly tenants: TenantDirectory,
    private readonly policies: TenantPolicies,
    private readonly sessions: Sessions,
    private readonly hasher: PasswordHasher,
    private readonly smsChallenges: SmsChallenges,
    private readonly limits: RateLimits,
    private readonly clock: Clock,
  ) {}

  /** With a phone number, an enrolment challenge starts in the same transaction (nextStep VERIFY_PHONE). */
  async signUp(context: RequestContext, input: { loginId: string; password: string; phoneNumber?: string | null }): Promise<SignedIn> {
    const tenant = await this.tenants.require(context.tenantSlug);
    const { policy } = await this.policies.get(tenant.id);
    const loginId = normaliseLoginId(input.loginId);
    const password = normalisePassword(input.password);
    const problems = [
      ...(loginId.length === 0 ? [{ field: 'loginId', message: 'must not be empty' }] : []),
      ...passwordProblems(password, policy.password.minLength),
    ];
    if (problems.length > 0) throw IdentityError.badInput(problems);
    if (!input.phoneNumber && policy.phone.requiredAtSignUp) throw new IdentityError('PHONE_REQUIRED', 'This service needs a phone number at sign-up.');
    const phone = input.phoneNumber ? this.smsChallenges.acceptablePhone(input.phoneNumber, policy) : null;
    const delegated = phone ? await this.smsChallenges.delegationFor(tenant.id, phone) : null;
    // No user yet, so no per-user count; phone, IP and tenant are counted before the transaction.
    if (phone) await this.smsChallenges.consumeSend({ tenantId: tenant.id, userId: null, sessionId: null, context }, phone, policy);
    const passwordHash = await this.hasher.hash(password);
    const now = this.clock.now();
    return this.db.transaction(async (store) => {
      const user = await store.users.create({ tenantId: tenant.id, loginId, passwordHash });
      if (!user) {
        await recordAudit(store, { tenantId: tenant.id, type: 'user.signed_up', outcome: 'refused', at: now, context, details: { reason: 'login_id_taken' } });
        throw IdentityError.badInput([{ field: 'loginId', message: 'is not available' }]);
      }
      const issued = await this.sessions.issue(store, { tenantId: tenant.id, userId: user.id, methods: ['pwd'], authenticatedAt: now, aal2VerifiedAt: null, context });
      await recordAudit(store, { tenantId: tenant.id, type: 'user.signed_up', outcome: 'success', at: now, userId: user.id, sessionId: issued.session.id, context });
      const smsChallenge = phone
        ? await this.smsChallenges.startEnrolment(store, { tenant, userId: user.id, sessionId: issued.session.id, phone, policy, now, context: { context }, delegated })
        : undefined;
      return {
        ...issued,
        user: { id: user.id, loginId: user.loginId, phoneE164: null },
        aal: 'AAL1',
        expiresAt: sessionExpiry(issued.session, policy),
        nextStep: smsChallenge ? 'VERIFY_PHONE' : nextStepFor(policy.loginRequiresAal, null),
        smsChallenge,
      };
    });
  }

  async login(context: RequestContext, input: { loginId: string; password: string }): Promise<SignedIn> {
    const tenant = await this.tenants.require(context.tenantSlug);
    const { policy } = await this.policies.get(tenant.id);
    const loginId = normaliseLoginId(input.loginId);
    const password = normalisePassword(input.password);
    // Before the lookup and the hash, the same for known and unknown ids (SECURITY 12, 15).
    const attempt = await this.limits.beginLogin({ tenantId: tenant.id, userId: null, sessionId: null, context }, loginId, policy.limits);
    const user = loginId ? await this.db.store.users.findByLoginId(tenant.id, loginId) : null;
    const ok = user ? await this.hasher.verify(user.passwordHash, password) : await this.hasher.verifyAgainstDummy(password);
    const now = this.clock.now();
    if (!user || !ok) {
      await this.limits.loginFailed(attempt);
      await recordAudit(this.db.store, {
        tenantId: tenant.id, type: 'login', outcome: 'failure', at: now, userId: user?.id ?? null, context,
        details: { reason: user ? 'wrong_password' : 'unknown_login_id' },
      });
      throw new IdentityError('INVALID_CREDENTIALS', 'The login id or password is wrong.');
    }
    await this.limits.loginSucceeded(attempt);
    return this.db.transaction(async (store) => {
      const issued = await this.sessions.issue(store, { tenantId: tenant.id, userId: user.id, methods: ['pwd'], authenticatedAt: now, aal2VerifiedAt: null, context });
      await recordAudit(store, { tenantId: tenant.id, type: 'login', outcome: 'success', at: now, userId: user.id, sessionId: issued.session.id, context });
      return {
        ...issued,
        user: { id: user.id, loginId: user.loginId, phoneE164: user.phoneE164 },
        aal: 'AAL1',
        expiresAt: sessionExpiry(issued.session, policy),
        nextStep: nextStepFor(policy.loginRequiresAal, user.phoneE164),
      };
    });
  }

  async logout(viewer: Viewer): Promise<boolean> {
    const now = this.clock.now();
    return this.db.transaction(async (store) => {
      await store.sessions.revoke(viewer.tenant.id, viewer.session.id, now);
      await recordAudit(store, { tenantId: viewer.tenant.id, type: 'session.revoked', outcome: 'success', at: now, userId: viewer.user.id, sessionId: viewer.session.id, context: viewer.context, details: { reason: 'logout' } });
      return true;
    });
  }

  /** Callers gate it behind `account.change_password` (requireAction); ends the user's other sessions. */
  async changePassword(viewer: Viewer, input: { currentPassword: string; newPassword: string }): Promise<boolean> {
    const user = await this.db.store.users.findById(viewer.tenant.id, viewer.user.id);
    const current = normalisePassword(input.currentPassword);
    const next = normalisePassword(input.newPassword);
    const now = this.clock.now();
    if (!user || !(await this.hasher.verify(user.passwordHash, current))) {
      await recordAudit(this.db.store, { tenantId: viewer.tenant.id, type: 'password.changed', outcome: 'failure', at: now, userId: viewer.user.id, sessionId: viewer.session.id, context: viewer.context, details: { reason: 'wrong_current_password' } });
      throw new IdentityError('INVALID_CREDENTIALS', 'The current password is wrong.');
    }
    const problems = passwordProblems(next, viewer.policy.policy.password.minLength, 'newPassword');
    if (problems.length > 0) throw IdentityError.badInput(problems);
    const passwordHash = await this.hasher.hash(next);
    return this.db.transaction(async (store) => {
      await store.users.updatePasswordHash(viewer.tenant.id, viewer.user.id, passwordHash);
      const ended = await store.sessions.revokeAllForUser(viewer.tenant.id, viewer.user.id, now, viewer.session.id);
      await recordAudit(store, { tenantId: viewer.tenant.id, type: 'password.changed', outcome: 'success', at: now, userId: viewer.user.id, sessionId: viewer.session.id, context: viewer.context, details: { otherSessionsRevoked: ended } });
      return true;
    });
  }
}

export function nextStepFor(loginRequiresAal: string, phoneE164: string | null): NextStep {
  if (loginRequiresAal !== 'AAL2') return 'NONE';
  return phoneE164 ? 'VERIFY_PHONE' : 'ENROLL_PHONE';
}
