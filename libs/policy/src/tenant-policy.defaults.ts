import type { ActionRequirement, TenantPolicy } from './tenant-policy';

export const CHANGE_PASSWORD_ACTION = 'account.change_password';
export const CHANGE_PHONE_ACTION = 'account.change_phone';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Always in a tenant's policy: a tenant may tighten or loosen them, never drop them. */
export const BUILT_IN_ACTIONS: readonly ActionRequirement[] = deepFreeze([
  { action: CHANGE_PASSWORD_ACTION, aal: 'AAL2', maxAgeSeconds: 300 },
  { action: CHANGE_PHONE_ACTION, aal: 'AAL2', maxAgeSeconds: 300 },
]);

/**
 * Calling codes refused unless a tenant lists them in `phone.allowedHighRiskPrefixes`. None is a
 * country: their numbers cost far more to reach than a mobile at home and are the favourite
 * destinations of SMS pumping (toll fraud through fake sign-ups).
 * +870 Inmarsat satellite phones; +881 Global Mobile Satellite System (Iridium, Globalstar, …);
 * +882 and +883 International Networks (carriers, M2M/IoT and roaming SIMs without a country);
 * +979 International Premium Rate Service; +808 International Shared Cost Service.
 */
export const HIGH_RISK_CALLING_CODES: readonly string[] = deepFreeze(['+870', '+881', '+882', '+883', '+979', '+808']);

/** The policy of a new tenant (DESIGN.md §6, SECURITY.md). */
export const DEFAULT_TENANT_POLICY: TenantPolicy = deepFreeze({
  actions: BUILT_IN_ACTIONS,
  defaultAal: 'AAL1',
  loginRequiresAal: 'AAL1',
  otp: { length: 6, ttlSeconds: 300, maxAttempts: 5, resendCooldownSeconds: 30, maxSendsPerChallenge: 3 },
  phone: { allowedCountries: [], blockedPrefixes: [], allowedHighRiskPrefixes: [], mobileOnly: true, uniquePerTenant: true, requiredAtSignUp: false },
  limits: {
    sendsPerPhonePerHour: 5,
    sendsPerPhonePerDay: 10,
    sendsPerUserPerHour: 10,
    sendsPerIpPerHour: 20,
    sendsPerTenantPerHour: 1000,
    sendsPerTenantPerDay: 10_000,
    prefixBurstMinimum: 20,
    prefixBurstFactor: 10,
    verifyFailuresPerUserPerHour: 10,
    loginFailuresPerAccount: 10,
    loginFailuresPerIpPerHour: 100,
  },
  session: { aal1MaxSeconds: 2_592_000, aal1IdleSeconds: 604_800, aal2MaxSeconds: 43_200, aal2IdleSeconds: 1800 },
  password: { minLength: 15 },
  // Templates are empty: the otp lib carries the built-in ja and en texts.
  messages: { appName: 'Honnin', defaultLocale: 'ja', templates: [], webOtpDomain: null },
});
