export type ChallengePurpose = 'STEP_UP' | 'ENROLL_PHONE';

export type ChallengeStatus = 'PENDING' | 'VERIFIED' | 'EXPIRED' | 'EXHAUSTED' | 'UNDELIVERABLE' | 'CANCELLED';

/**
 * The part of a challenge its rules depend on. `status` is what is stored; a stored PENDING may
 * already be expired or exhausted, which `effectiveStatus` derives from the clock and the counts.
 * A code is valid while `now < expiresAt`. `sends` counts the first send, so a new challenge has 1.
 */
export interface ChallengeState {
  readonly status: ChallengeStatus;
  readonly expiresAt: Date;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly sends: number;
  readonly maxSends: number;
  readonly lastSentAt: Date;
}

export interface ChallengeLimits {
  readonly ttlSeconds: number;
  readonly maxAttempts: number;
  readonly maxSends: number;
}

/** A challenge whose first code is sent at `now`. */
export function newChallengeState(now: Date, limits: ChallengeLimits): ChallengeState {
  return {
    status: 'PENDING',
    expiresAt: new Date(now.getTime() + limits.ttlSeconds * 1000),
    attempts: 0,
    maxAttempts: limits.maxAttempts,
    sends: 1,
    maxSends: limits.maxSends,
    lastSentAt: now,
  };
}

function isExpired(state: ChallengeState, now: Date): boolean {
  return now.getTime() >= state.expiresAt.getTime();
}

/** The stored status, with a PENDING challenge past its expiry read as EXPIRED, then one out of attempts as EXHAUSTED. */
export function effectiveStatus(state: ChallengeState, now: Date): ChallengeStatus {
  if (state.status !== 'PENDING') return state.status;
  if (isExpired(state, now)) return 'EXPIRED';
  if (state.attempts >= state.maxAttempts) return 'EXHAUSTED';
  return 'PENDING';
}

/** Verification attempts left before the challenge is exhausted. */
export function attemptsRemaining(state: ChallengeState): number {
  return Math.max(0, state.maxAttempts - state.attempts);
}

export type VerificationOutcome =
  | { readonly kind: 'verified' }
  | { readonly kind: 'invalid_code'; readonly attemptsRemaining: number }
  | { readonly kind: 'expired' }
  | { readonly kind: 'too_many_attempts' }
  | { readonly kind: 'not_pending'; readonly status: 'VERIFIED' | 'UNDELIVERABLE' | 'CANCELLED' };

/**
 * What one verification attempt amounts to. The caller has already counted this attempt in the
 * database (an atomic `attempts = attempts + 1` before any comparison), so `state` includes it:
 * the attempt is judged only while `attempts <= maxAttempts`, and the one beyond gets
 * too_many_attempts even with the right code. Expiry wins over everything but a stored final
 * status, so a right code that arrives late is `expired`. A stored EXPIRED or EXHAUSTED reads as
 * expired / too_many_attempts, the answers the user can act on. `invalid_code` with 0 attempts
 * remaining means this attempt exhausted the challenge.
 */
export function verificationOutcome(state: ChallengeState, codeMatches: boolean, now: Date): VerificationOutcome {
  switch (state.status) {
    case 'EXPIRED':
      return { kind: 'expired' };
    case 'EXHAUSTED':
      return { kind: 'too_many_attempts' };
    case 'VERIFIED':
    case 'UNDELIVERABLE':
    case 'CANCELLED':
      return { kind: 'not_pending', status: state.status };
    case 'PENDING':
      break;
  }
  if (isExpired(state, now)) return { kind: 'expired' };
  if (state.attempts > state.maxAttempts) return { kind: 'too_many_attempts' };
  if (codeMatches) return { kind: 'verified' };
  return { kind: 'invalid_code', attemptsRemaining: attemptsRemaining(state) };
}

/**
 * Whether another code may be sent for this challenge. An allowed resend replaces the code and
 * restarts its expiry (`applyResend`) but never resets `attempts`: a resend must not buy new
 * guesses (SECURITY 5). An exhausted or expired challenge is `not_pending`; start a new one.
 */
export type ResendDecision =
  | { readonly kind: 'allowed' }
  | { readonly kind: 'cooldown'; readonly retryAfterSeconds: number }
  | { readonly kind: 'send_limit' }
  | { readonly kind: 'not_pending'; readonly status: Exclude<ChallengeStatus, 'PENDING'> };

export function resendDecision(state: ChallengeState, now: Date, cooldownSeconds: number): ResendDecision {
  const status = effectiveStatus(state, now);
  if (status !== 'PENDING') return { kind: 'not_pending', status };
  // The limit comes first: waiting out the cooldown would not help.
  if (state.sends >= state.maxSends) return { kind: 'send_limit' };
  const waitMs = state.lastSentAt.getTime() + cooldownSeconds * 1000 - now.getTime();
  if (waitMs > 0) return { kind: 'cooldown', retryAfterSeconds: Math.ceil(waitMs / 1000) };
  return { kind: 'allowed' };
}

/**
 * When a resend becomes possible, or null when it never will: the challenge is no longer pending,
 * out of attempts or sends, or would expire before the cooldown ends.
 */
export function resendAvailableAt(state: ChallengeState, cooldownSeconds: number): Date | null {
  const availableAt = new Date(state.lastSentAt.getTime() + cooldownSeconds * 1000);
  if (
    state.status !== 'PENDING' ||
    state.attempts >= state.maxAttempts ||
    state.sends >= state.maxSends ||
    availableAt.getTime() >= state.expiresAt.getTime()
  ) {
    return null;
  }
  return availableAt;
}

/** The state after a resend at `now`: one more send, a fresh expiry for the new code, the same attempts. */
export function applyResend(state: ChallengeState, now: Date, ttlSeconds: number): ChallengeState {
  return {
    ...state,
    sends: state.sends + 1,
    lastSentAt: now,
    expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
  };
}
