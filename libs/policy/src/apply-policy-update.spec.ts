import fc from 'fast-check';
import { applyPolicyUpdate } from './apply-policy-update';
import type { ActionRequirement, TenantPolicy, TenantPolicyUpdate } from './tenant-policy';
import { BUILT_IN_ACTIONS, CHANGE_PASSWORD_ACTION, CHANGE_PHONE_ACTION, DEFAULT_TENANT_POLICY } from './tenant-policy.defaults';

const transfer: ActionRequirement = { action: 'payments.transfer', aal: 'AAL2', maxAgeSeconds: 60 };
const [changePasswordDefault, changePhoneDefault] = BUILT_IN_ACTIONS;

describe('applyPolicyUpdate', () => {
  it('with an empty update returns an equal but new, unfrozen policy', () => {
    const updated = applyPolicyUpdate(DEFAULT_TENANT_POLICY, {});
    expect(updated).toEqual(DEFAULT_TENANT_POLICY);
    expect(updated).not.toBe(DEFAULT_TENANT_POLICY);
    expect(Object.isFrozen(updated.otp)).toBe(false);
    expect(updated.actions).not.toBe(DEFAULT_TENANT_POLICY.actions);
  });

  it('merges a section field by field and leaves every other section at its value', () => {
    const updated = applyPolicyUpdate(DEFAULT_TENANT_POLICY, { otp: { ttlSeconds: 120 } });
    expect(updated).toEqual({ ...DEFAULT_TENANT_POLICY, otp: { ...DEFAULT_TENANT_POLICY.otp, ttlSeconds: 120 } });
  });

  it('builds on the current policy, not on the defaults', () => {
    const current = applyPolicyUpdate(DEFAULT_TENANT_POLICY, { otp: { length: 8 }, defaultAal: 'AAL2' });
    const updated = applyPolicyUpdate(current, { otp: { maxAttempts: 3 } });
    expect(updated.otp).toEqual({ ...DEFAULT_TENANT_POLICY.otp, length: 8, maxAttempts: 3 });
    expect(updated.defaultAal).toBe('AAL2');
  });

  it('keeps a field given as undefined, but sets webOtpDomain to null when null is given', () => {
    const withDomain = applyPolicyUpdate(DEFAULT_TENANT_POLICY, { messages: { webOtpDomain: 'example.com', appName: undefined } });
    expect(withDomain.messages).toEqual({ ...DEFAULT_TENANT_POLICY.messages, webOtpDomain: 'example.com' });
    expect(applyPolicyUpdate(withDomain, { messages: { webOtpDomain: null } }).messages.webOtpDomain).toBeNull();
  });

  it('replaces a list field such as allowedCountries or templates as a whole', () => {
    const current = applyPolicyUpdate(DEFAULT_TENANT_POLICY, { phone: { allowedCountries: ['JP', 'US'] } });
    expect(applyPolicyUpdate(current, { phone: { allowedCountries: ['GB'] } }).phone.allowedCountries).toEqual(['GB']);
    const templates = [{ locale: 'en', text: '{code}' }];
    expect(applyPolicyUpdate(current, { messages: { templates } }).messages.templates).toEqual(templates);
  });

  it('drops fields a section does not have', () => {
    const update = { otp: { ttlSeconds: 90, secretBackdoor: true } } as TenantPolicyUpdate;
    expect(applyPolicyUpdate(DEFAULT_TENANT_POLICY, update).otp).toEqual({ ...DEFAULT_TENANT_POLICY.otp, ttlSeconds: 90 });
  });

  it('fills a field an older stored document lacks with its default', () => {
    const { mobileOnly: _dropped, ...olderPhone } = DEFAULT_TENANT_POLICY.phone;
    const older = { ...DEFAULT_TENANT_POLICY, phone: { ...olderPhone, allowedCountries: ['JP'] } } as unknown as TenantPolicy;
    expect(applyPolicyUpdate(older, {}).phone).toEqual({ ...DEFAULT_TENANT_POLICY.phone, allowedCountries: ['JP'] });
  });

  describe('actions', () => {
    it('replaces the list and appends the built-ins it does not name, with their defaults', () => {
      const updated = applyPolicyUpdate(DEFAULT_TENANT_POLICY, { actions: [transfer] });
      expect(updated.actions).toEqual([transfer, changePasswordDefault, changePhoneDefault]);
    });

    it('lets a listed built-in override its default while the other keeps its own', () => {
      const looser = { action: CHANGE_PASSWORD_ACTION, aal: 'AAL1', maxAgeSeconds: null } as const;
      const updated = applyPolicyUpdate(DEFAULT_TENANT_POLICY, { actions: [transfer, looser] });
      expect(updated.actions).toEqual([transfer, looser, changePhoneDefault]);
    });

    it('restores a built-in overridden earlier when a new list leaves it out', () => {
      const stricterPhone = { action: CHANGE_PHONE_ACTION, aal: 'AAL2', maxAgeSeconds: 60 } as const;
      const current = applyPolicyUpdate(DEFAULT_TENANT_POLICY, { actions: [stricterPhone] });
      expect(current.actions).toContainEqual(stricterPhone);
      expect(applyPolicyUpdate(current, { actions: [] }).actions).toEqual([changePasswordDefault, changePhoneDefault]);
    });

    it('keeps the current list when actions are not given', () => {
      const current = applyPolicyUpdate(DEFAULT_TENANT_POLICY, { actions: [transfer] });
      expect(applyPolicyUpdate(current, { otp: { length: 7 } }).actions).toEqual(current.actions);
    });

    it('keeps every given entry at its index and always ends with both built-ins present', () => {
      const entry = fc.record({
        action: fc.oneof(fc.constantFrom(CHANGE_PASSWORD_ACTION, CHANGE_PHONE_ACTION), fc.stringMatching(/^[a-z][a-z.]{0,20}$/)),
        aal: fc.constantFrom('AAL1' as const, 'AAL2' as const),
        maxAgeSeconds: fc.option(fc.integer({ min: 1, max: 3600 })),
      });
      fc.assert(
        fc.property(fc.array(entry, { maxLength: 10 }), (actions) => {
          const updated = applyPolicyUpdate(DEFAULT_TENANT_POLICY, { actions });
          expect(updated.actions.slice(0, actions.length)).toEqual(actions);
          for (const builtIn of BUILT_IN_ACTIONS) {
            expect(updated.actions.some((a) => a.action === builtIn.action)).toBe(true);
          }
        }),
      );
    });
  });

  it('changes neither argument and shares no object with them', () => {
    const current = applyPolicyUpdate(DEFAULT_TENANT_POLICY, { actions: [transfer], phone: { blockedPrefixes: ['+881'] } });
    const update: TenantPolicyUpdate = { actions: [{ ...transfer }], phone: { allowedCountries: ['JP'] } };
    const [currentBefore, updateBefore] = [structuredClone(current), structuredClone(update)];
    const updated = applyPolicyUpdate(current, update) as unknown as {
      actions: { maxAgeSeconds: number | null }[];
      phone: { allowedCountries: string[]; blockedPrefixes: string[] };
    };
    updated.actions[0].maxAgeSeconds = 1;
    updated.phone.allowedCountries.push('US');
    updated.phone.blockedPrefixes.push('+882');
    expect(current).toEqual(currentBefore);
    expect(update).toEqual(updateBefore);
  });
});
