import { AccountResolver } from './account.resolver';
import { AdminResolver } from './admin.resolver';
import { OperatorResolver } from './operator.resolver';

export const RESOLVERS = [AccountResolver, AdminResolver, OperatorResolver];
