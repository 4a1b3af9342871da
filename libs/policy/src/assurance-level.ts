import type { Aal, TenantPolicy } from './tenant-policy';

/** RFC 8176 authentication method reference values this service records. */
export type AuthMethod = 'pwd' | 'sms' | 'mfa';

/** What a session has proven and when; its AAL is derived from this, never stored beside it. */
export interface SessionAuthentication {
  readonly amr: readonly AuthMethod[];
  /** When the session's first factor was proven (login). */
  readonly authenticatedAt: Date;
  /** When the second factor was last proven (step-up), or null. */
  readonly aal2VerifiedAt: Date | null;
  readonly lastActiveAt: Date;
  readonly createdAt: Date;
}

const KNOWLEDGE_FACTORS: ReadonlySet<AuthMethod> = new Set(['pwd']);
const POSSESSION_FACTORS: ReadonlySet<AuthMethod> = new Set(['sms']);

/** The order `amrFor` lists methods in. */
const METHOD_ORDER: readonly AuthMethod[] = ['pwd', 'sms'];

function hasBothFactorKinds(methods: Iterable<AuthMethod>): boolean {
  const all = [...methods];
  return all.some((m) => KNOWLEDGE_FACTORS.has(m)) && all.some((m) => POSSESSION_FACTORS.has(m));
}

/**
 * The RFC 8176 `amr` list for the methods proven: each once, in a stable order, and `mfa` when a
 * knowledge and a possession factor are both present. A given `mfa` is dropped: it is derived.
 */
export function amrFor(methods: Iterable<AuthMethod>): AuthMethod[] {
  const proven = new Set(methods);
  const amr = METHOD_ORDER.filter((m) => proven.has(m));
  return hasBothFactorKinds(amr) ? [...amr, 'mfa'] : amr;
}

const AAL_RANK: Record<Aal, number> = { AAL1: 1, AAL2: 2 };

/** Whether `current` meets `required`; a session that is over (null) meets nothing. */
export function meetsAal(current: Aal | null, required: Aal): boolean {
  return current !== null && AAL_RANK[current] >= AAL_RANK[required];
}

/** The higher of two levels. */
export function maxAal(a: Aal, b: Aal): Aal {
  return AAL_RANK[a] >= AAL_RANK[b] ? a : b;
}

/**
 * Whether `since` is at most `limitSeconds` before `now`. Written so that an invalid Date (NaN)
 * counts as too old: a broken timestamp must fail closed.
 */
export function isWithin(since: Date, limitSeconds: number, now: Date): boolean {
  return now.getTime() - since.getTime() <= limitSeconds * 1000;
}

/**
 * The session's assurance level at `now`, or null when the session is over (absolute or idle
 * limit of AAL1 passed). AAL2 needs both factor kinds, a recorded step-up, and neither the AAL2
 * absolute limit (counted from the step-up) nor its idle limit passed; otherwise it lapses to AAL1.
 */
export function currentAal(session: SessionAuthentication, policy: Pick<TenantPolicy, 'session'>, now: Date): Aal | null {
  const limits = policy.session;
  if (!isWithin(session.createdAt, limits.aal1MaxSeconds, now) || !isWithin(session.lastActiveAt, limits.aal1IdleSeconds, now)) {
    return null;
  }
  const aal2 =
    hasBothFactorKinds(session.amr) &&
    session.aal2VerifiedAt !== null &&
    isWithin(session.aal2VerifiedAt, limits.aal2MaxSeconds, now) &&
    isWithin(session.lastActiveAt, limits.aal2IdleSeconds, now);
  return aal2 ? 'AAL2' : 'AAL1';
}
