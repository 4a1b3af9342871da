// Public API of @honnin/policy.
export * from './tenant-policy';
export { BUILT_IN_ACTIONS, CHANGE_PASSWORD_ACTION, CHANGE_PHONE_ACTION, DEFAULT_TENANT_POLICY } from './tenant-policy.defaults';
export { HIGH_RISK_CALLING_CODES } from './tenant-policy.defaults';
export { ACTION_NAME_PATTERN, validateTenantPolicy, type PolicyValidationOptions } from './tenant-policy.validation';
export { applyPolicyUpdate } from './apply-policy-update';
export { amrFor, currentAal, meetsAal, type AuthMethod, type SessionAuthentication } from './assurance-level';
export { authorize, requirementFor, type AuthorizationDecision, type AuthorizationReason } from './authorize';
