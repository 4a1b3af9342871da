import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { Identity, RequestContext } from '@honnin/identity';
import { Ctx, HonninRequest } from '../auth/request-context';
import { CreateTenantInput } from '../graphql/admin.input';
import { CreateTenantPayloadObject } from '../graphql/admin.object';


/** Operator operations: header `x-operator-token`, from env OPERATOR_TOKEN. */
@Resolver()
export class OperatorResolver {
  constructor(private readonly identity: Identity) {}

  @Mutation(() => CreateTenantPayloadObject, { description: 'Creates a tenant and its admin API key (shown once).' })
  async createTenant(
    @Context('req') req: HonninRequest,
    @Ctx() context: RequestContext,
    @Args('input') input: CreateTenantInput,
  ): Promise<CreateTenantPayloadObject> {
    const token = req.headers['x-operator-token'];
    this.identity.admin.checkOperator(typeof token === 'string' ? token : null);
    const { tenant, adminApiKey } = await this.identity.admin.createTenant(input, context);
    return { tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name }, adminApiKey: adminApiKey.key };
  }
}
