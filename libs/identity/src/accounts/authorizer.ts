import { ACTION_NAME_PATTERN, authorize, AuthorizationDecision } from '@honnin/policy';
import { AuditBuffer } from '../audit/audit-buffer';
import { Clock } from '../common/clock';
import { IdentityError } from '../errors/identity-error';
import { Viewer } from '../sessions/sessions';

/** Applies the tenant policy to a signed-in viewer; every refusal is audited. */
export class Authorizer {
  constructor(
    private readonly refusals: AuditBuffer,
    private readonly clock: Clock,
  ) {}

  /** BAD_USER_INPUT for a name no policy could list, so nothing odd or huge reaches the audit log. */
  async authorize(viewer: Viewer, action: string): Promise<AuthorizationDecision> {
    if (!ACTION_NAME_PATTERN.test(action)) throw IdentityError.badInput([{ field: 'action', message: `must match ${ACTION_NAME_PATTERN.source}` }]);
    const now = this.clock.now();
    const decision = authorize(viewer.policy.policy, viewer.session, action, now);
    if (!decision.allowed) {
      this.refusals.record({
        tenantId: viewer.tenant.id, type: 'authorization.denied', outcome: 'refused', at: now, userId: viewer.user.id,
        sessionId: viewer.session.id, context: viewer.context,
        details: { action, reason: decision.reason, requiredAal: decision.requiredAal, currentAal: decision.currentAal },
      });
    }
    return decision;
  }

  /** For the service's own sensitive operations: passes or throws INSUFFICIENT_AUTHENTICATION (RFC 9470). */
  async requireAction(viewer: Viewer, action: string): Promise<void> {
    const decision = await this.authorize(viewer, action);
    if (decision.allowed) return;
    throw new IdentityError('INSUFFICIENT_AUTHENTICATION', `This operation needs a fresher or stronger sign-in (${action}).`, {
      requiredAal: decision.requiredAal,
      maxAgeSeconds: decision.maxAgeSeconds,
      reason: decision.reason,
    });
  }
}
