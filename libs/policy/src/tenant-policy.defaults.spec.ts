import { BUILT_IN_ACTIONS, CHANGE_PASSWORD_ACTION, CHANGE_PHONE_ACTION, DEFAULT_TENANT_POLICY, HIGH_RISK_CALLING_CODES } from './tenant-policy.defaults';
import { validateTenantPolicy } from './tenant-policy.validation';

function everyObjectIn(value: unknown): object[] {
  if (typeof value !== 'object' || value === null) return [];
  return [value, ...Object.values(value).flatMap(everyObjectIn)];
}

describe('DEFAULT_TENANT_POLICY', () => {
  it('validates with zero problems', () => {
    expect(validateTenantPolicy(DEFAULT_TENANT_POLICY)).toEqual([]);
  });

  it('is frozen all the way down, so no caller can change the defaults of every tenant', () => {
    const objects = everyObjectIn(DEFAULT_TENANT_POLICY);
    expect(objects.length).toBeGreaterThan(10);
    expect(objects.filter((o) => !Object.isFrozen(o))).toEqual([]);
    expect(() => {
      (DEFAULT_TENANT_POLICY.otp as { ttlSeconds: number }).ttlSeconds = 9999;
    }).toThrow(TypeError);
  });

  it('needs AAL2 within 300 s for the two built-in account actions', () => {
    expect(DEFAULT_TENANT_POLICY.actions).toEqual([
      { action: CHANGE_PASSWORD_ACTION, aal: 'AAL2', maxAgeSeconds: 300 },
      { action: CHANGE_PHONE_ACTION, aal: 'AAL2', maxAgeSeconds: 300 },
    ]);
    expect(BUILT_IN_ACTIONS).toEqual(DEFAULT_TENANT_POLICY.actions);
  });

  it('ships the values of DESIGN.md §6', () => {
    expect(DEFAULT_TENANT_POLICY).toMatchObject({
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
        sendsPerTenantPerDay: 10000,
        prefixBurstMinimum: 20,
        prefixBurstFactor: 10,
        verifyFailuresPerUserPerHour: 10,
        loginFailuresPerAccount: 10,
        loginFailuresPerIpPerHour: 100,
      },
      session: { aal1MaxSeconds: 2592000, aal1IdleSeconds: 604800, aal2MaxSeconds: 43200, aal2IdleSeconds: 1800 },
      password: { minLength: 15 },
      messages: { appName: 'Honnin', defaultLocale: 'ja', templates: [], webOtpDomain: null },
    });
  });

  it('refuses the non-geographic and high-risk calling codes by default, and the list cannot be changed', () => {
    expect(HIGH_RISK_CALLING_CODES).toEqual(['+870', '+881', '+882', '+883', '+979', '+808']);
    expect(Object.isFrozen(HIGH_RISK_CALLING_CODES)).toBe(true);
    expect(DEFAULT_TENANT_POLICY.phone.allowedHighRiskPrefixes).toEqual([]);
  });
});
