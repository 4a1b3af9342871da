import { CreateFoundation1764000000000 } from './1764000000000-create-foundation';
import { CreateTenantPolicyVersions1764000100000 } from './1764000100000-create-tenant-policy-versions';
import { CreateSmsChallengesAndOutbox1764000200000 } from './1764000200000-create-sms-challenges-and-outbox';
import { CreateRateLimits1764000300000 } from './1764000300000-create-rate-limits';
import { CreateSmsPrefixVelocity1764000400000 } from './1764000400000-create-sms-prefix-velocity';
import { IndexUsersByPhone1764000500000 } from './1764000500000-index-users-by-phone';

/** In order. A landed migration is never edited: add a new one. */
export const MIGRATIONS = [CreateFoundation1764000000000, CreateTenantPolicyVersions1764000100000, CreateSmsChallengesAndOutbox1764000200000, CreateRateLimits1764000300000, CreateSmsPrefixVelocity1764000400000, IndexUsersByPhone1764000500000];
