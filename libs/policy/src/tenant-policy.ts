/** Authenticator assurance level (NIST SP 800-63B). */
export type Aal = 'AAL1' | 'AAL2';

export const AAL_VALUES: readonly Aal[] = ['AAL1', 'AAL2'];

/** What an action needs: an assurance level and, when set, how recent the proof of it must be. */
export interface ActionRequirement {
  readonly action: string;
  readonly aal: Aal;
  /** Freshness: the proof of `aal` must be at most this old; null means any age within the session. */
  readonly maxAgeSeconds: number | null;
}

export interface OtpPolicy {
  readonly length: number;
  readonly ttlSeconds: number;
  readonly maxAttempts: number;
  readonly resendCooldownSeconds: number;
  readonly maxSendsPerChallenge: number;
}

export interface PhonePolicy {
  /** ISO 3166 alpha-2 codes; empty allows every country. */
  readonly allowedCountries: readonly string[];
  /** E.164 prefixes such as "+881" that are never sent to. */
  readonly blockedPrefixes: readonly string[];
  /**
   * Prefixes under the built-in high-risk calling codes (HIGH_RISK_CALLING_CODES) that this tenant
   * does send to; numbers under the other high-risk codes are refused.
   */
  readonly allowedHighRiskPrefixes: readonly string[];
  readonly mobileOnly: boolean;
  readonly uniquePerTenant: boolean;
  readonly requiredAtSignUp: boolean;
}

export interface LimitsPolicy {
  readonly sendsPerPhonePerHour: number;
  readonly sendsPerPhonePerDay: number;
  readonly sendsPerUserPerHour: number;
  readonly sendsPerIpPerHour: number;
  readonly sendsPerTenantPerHour: number;
  readonly sendsPerTenantPerDay: number;
  /**
   * SMS pumping defence: sends to one country calling code in a 10-minute bucket above
   * max(prefixBurstMinimum, the prefix's average per bucket over the previous 24 h × prefixBurstFactor)
   * put the prefix on hold for the tenant.
   */
  readonly prefixBurstMinimum: number;
  readonly prefixBurstFactor: number;
  readonly verifyFailuresPerUserPerHour: number;
  readonly loginFailuresPerAccount: number;
  readonly loginFailuresPerIpPerHour: number;
}

export interface SessionPolicy {
  readonly aal1MaxSeconds: number;
  readonly aal1IdleSeconds: number;
  readonly aal2MaxSeconds: number;
  readonly aal2IdleSeconds: number;
}

export interface PasswordPolicy {
  readonly minLength: number;
}

export interface MessageTemplate {
  readonly locale: string;
  /** With the placeholders {code}, {minutes} and {app}. */
  readonly text: string;
}

export interface MessagesPolicy {
  readonly appName: string;
  readonly defaultLocale: string;
  /** Tenant templates; each overrides the built-in text of its locale. */
  readonly templates: readonly MessageTemplate[];
  readonly webOtpDomain: string | null;
}

/** A tenant's policy document (DESIGN.md §6); the GraphQL input and type use the same names. */
export interface TenantPolicy {
  readonly actions: readonly ActionRequirement[];
  readonly defaultAal: Aal;
  readonly loginRequiresAal: Aal;
  readonly otp: OtpPolicy;
  readonly phone: PhonePolicy;
  readonly limits: LimitsPolicy;
  readonly session: SessionPolicy;
  readonly password: PasswordPolicy;
  readonly messages: MessagesPolicy;
}

/**
 * A partial update: a section given is merged field by field, an absent (undefined) field keeps its
 * value. `actions`, when given, replaces the tenant's list (the built-in actions stay).
 */
export interface TenantPolicyUpdate {
  readonly actions?: readonly ActionRequirement[];
  readonly defaultAal?: Aal;
  readonly loginRequiresAal?: Aal;
  readonly otp?: Partial<OtpPolicy>;
  readonly phone?: Partial<PhonePolicy>;
  readonly limits?: Partial<LimitsPolicy>;
  readonly session?: Partial<SessionPolicy>;
  readonly password?: Partial<PasswordPolicy>;
  readonly messages?: Partial<MessagesPolicy>;
}

/** One thing wrong with a policy, at a field path such as `otp.ttlSeconds` or `actions[3].maxAgeSeconds`. */
export interface PolicyProblem {
  readonly field: string;
  readonly message: string;
}
