import { currentAal, isWithin, maxAal, meetsAal, type SessionAuthentication } from './assurance-level';
import type { Aal, ActionRequirement, TenantPolicy } from './tenant-policy';
import { BUILT_IN_ACTIONS, CHANGE_PHONE_ACTION } from './tenant-policy.defaults';

export type AuthorizationReason = 'OK' | 'STEP_UP_REQUIRED' | 'STALE_AUTHENTICATION' | 'DENIED';

/** The answer to "may this session do this action now", in the shape of the GraphQL type. */
export interface AuthorizationDecision {
  readonly action: string;
  readonly allowed: boolean;
  readonly reason: AuthorizationReason;
  readonly requiredAal: Aal;
  readonly currentAal: Aal | null;
  readonly maxAgeSeconds: number | null;
}

/**
 * What `action` needs under `policy`: its entry in the policy, else `defaultAal` with no freshness.
 * `loginRequiresAal` is a floor for every action: until a session reaches the level sign-in requires,
 * sign-in is not finished. Two safety nets for a document that skipped validation: a built-in action
 * missing from the list keeps its built-in requirement, and changing the phone never needs less than
 * AAL2 (SECURITY 10).
 */
export function requirementFor(policy: Pick<TenantPolicy, 'actions' | 'defaultAal' | 'loginRequiresAal'>, action: string): ActionRequirement {
  const requirement = policy.actions.find((entry) => entry.action === action) ??
    BUILT_IN_ACTIONS.find((entry) => entry.action === action) ?? { action, aal: policy.defaultAal, maxAgeSeconds: null };
  const floor = action === CHANGE_PHONE_ACTION ? 'AAL2' : policy.loginRequiresAal;
  return { action, aal: maxAal(requirement.aal, floor), maxAgeSeconds: requirement.maxAgeSeconds };
}

/** When the level the action needs was last proven: the step-up for AAL2, the latest factor for AAL1. */
function lastProofOf(required: Aal, session: SessionAuthentication): Date | null {
  if (required === 'AAL2') return session.aal2VerifiedAt;
  const { authenticatedAt, aal2VerifiedAt } = session;
  return aal2VerifiedAt !== null && aal2VerifiedAt.getTime() > authenticatedAt.getTime() ? aal2VerifiedAt : authenticatedAt;
}

function reasonFor(requirement: ActionRequirement, session: SessionAuthentication, level: Aal | null, now: Date): AuthorizationReason {
  if (level === null) return 'DENIED';
  if (!meetsAal(level, requirement.aal)) return 'STEP_UP_REQUIRED';
  if (requirement.maxAgeSeconds !== null) {
    const proof = lastProofOf(requirement.aal, session);
    if (proof === null || !isWithin(proof, requirement.maxAgeSeconds, now)) return 'STALE_AUTHENTICATION';
  }
  return 'OK';
}

/** Whether `session` may perform `action` at `now` under `policy`, and if not, what would let it. */
export function authorize(policy: TenantPolicy, session: SessionAuthentication, action: string, now: Date): AuthorizationDecision {
  const requirement = requirementFor(policy, action);
  const level = currentAal(session, policy, now);
  const reason = reasonFor(requirement, session, level, now);
  return {
    action,
    allowed: reason === 'OK',
    reason,
    requiredAal: requirement.aal,
    currentAal: level,
    maxAgeSeconds: requirement.maxAgeSeconds,
  };
}
