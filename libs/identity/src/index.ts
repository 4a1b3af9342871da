// Public API of @honnin/identity: the use cases the gateway exposes.
export { Identity } from './identity';
export type { IdentityOptions } from './identity';
export { Clock, SystemClock } from './common/clock';
export type { RequestContext } from './common/clock';
export { IDENTITY_ERROR_CODES, IdentityError } from './errors/identity-error';
export type { FieldProblem, IdentityErrorCode, IdentityErrorDetails } from './errors/identity-error';
export type { NextStep, SignedIn } from './accounts/accounts';
export type { Viewer } from './sessions/sessions';
export { API_KEY_SCOPES, encodeCursor } from './tenants/tenant-admin';
export type { AdminCaller, ApiKeyScope, CreatedApiKey } from './tenants/tenant-admin';
export type { VersionedTenantPolicy } from './policy/tenant-policies';
export type { SmsChallengeView } from './sms/sms-challenges';
export type { DispatchResult, SmsDispatcher, SmsDispatcherOptions } from './sms/sms-dispatcher';
export type { SmsProviderInput, SmsProviderView } from './sms/sms-providers';
export type { IdentityMetrics } from './common/identity-metrics';
export type { ReceiptAnswer } from './sms/delivery-receipts';
export type { RateLimitStore } from './limits/rate-limit-store';
export type { RateLimitKey } from './limits/rate-limits';
