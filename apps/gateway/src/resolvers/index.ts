import { AccountResolver } from './account.resolver';
import { AdminResolver } from './admin.resolver';
import { OperatorResolver } from './operator.resolver';
import { SmsChallengeResolver } from './sms-challenge.resolver';

export const RESOLVERS = [AccountResolver, AdminResolver, OperatorResolver, SmsChallengeResolver];
