import type { ActionRequirement, TenantPolicy, TenantPolicyUpdate } from './tenant-policy';
import { BUILT_IN_ACTIONS, DEFAULT_TENANT_POLICY } from './tenant-policy.defaults';

/** A fresh copy, so the result shares no arrays or objects with its inputs (which may be frozen). */
function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => copy(item)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, copy(inner)])) as T;
  }
  return value;
}

/**
 * Field by field over the fields the section has (an unknown key in either input is dropped); an
 * undefined field keeps the current value, and a field the current document lacks takes its default.
 */
function mergeSection<S extends object>(defaults: S, current: S, patch: Partial<S> | undefined): S {
  const merged = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof S)[]) {
    const value = patch?.[key] !== undefined ? patch[key] : current[key];
    if (value !== undefined) merged[key] = value as S[keyof S];
  }
  return copy(merged);
}

/**
 * The given list with every built-in action it does not name appended, at the end so that the
 * given entries keep their indices (validation reports `actions[i]` paths against them).
 */
function withBuiltIns(actions: readonly ActionRequirement[]): ActionRequirement[] {
  const listed = new Set(actions.map((entry) => entry.action));
  return [...actions, ...BUILT_IN_ACTIONS.filter((builtIn) => !listed.has(builtIn.action))].map(copy);
}

/** The policy after a partial update. Pure: neither argument is changed. Validate the result. */
export function applyPolicyUpdate(current: TenantPolicy, update: TenantPolicyUpdate): TenantPolicy {
  return {
    actions: withBuiltIns(update.actions ?? current.actions),
    defaultAal: update.defaultAal ?? current.defaultAal,
    loginRequiresAal: update.loginRequiresAal ?? current.loginRequiresAal,
    otp: mergeSection(DEFAULT_TENANT_POLICY.otp, current.otp, update.otp),
    phone: mergeSection(DEFAULT_TENANT_POLICY.phone, current.phone, update.phone),
    limits: mergeSection(DEFAULT_TENANT_POLICY.limits, current.limits, update.limits),
    session: mergeSection(DEFAULT_TENANT_POLICY.session, current.session, update.session),
    password: mergeSection(DEFAULT_TENANT_POLICY.password, current.password, update.password),
    messages: mergeSection(DEFAULT_TENANT_POLICY.messages, current.messages, update.messages),
  };
}
