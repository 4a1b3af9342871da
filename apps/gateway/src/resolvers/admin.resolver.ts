import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { AdminCaller, encodeCursor, Identity } from '@honnin/identity';
import { TenantPolicyUpdate } from '@honnin/policy';
import { CurrentAdmin } from '../auth/request-context';
import { RequiresScope } from '../auth/guards';
import { AuditEventsArgs, CreateApiKeyInput } from '../graphql/admin.input';
import { AuditEventConnectionObject, CreateApiKeyPayloadObject } from '../graphql/admin.object';
import { TenantPolicyInput } from '../graphql/tenant-policy.input';
import { TenantPolicyObject } from '../graphql/tenant-policy.object';
import { presentAuditEvent, presentPolicy, presentSmsPrefixHold, presentSmsProvider } from './presenters';
import { SmsPrefixHoldObject } from '../graphql/sms-pumping.object';
import { ConfigureSmsProvidersInput } from '../graphql/sms.input';
import { SmsProviderConfigObject } from '../graphql/sms.object';

/** Tenant administration: `Authorization: ApiKey <key>`, each operation behind a scope. */
@Resolver()
export class AdminResolver {
  constructor(private readonly identity: Identity) {}

  @RequiresScope('policy:read')
  @Query(() => TenantPolicyObject, { description: 'The policy in force, with its version.' })
  async tenantPolicy(@CurrentAdmin() admin: AdminCaller): Promise<TenantPolicyObject> {
    const { version, policy } = await this.identity.policies.get(admin.tenant.id);
    return presentPolicy(version, policy);
  }

  @RequiresScope('policy:write')
  @Mutation(() => TenantPolicyObject, { description: 'A partial update; every update makes a new version.' })
  async updateTenantPolicy(@CurrentAdmin() admin: AdminCaller, @Args('input') input: TenantPolicyInput): Promise<TenantPolicyObject> {
    const { expectedVersion, ...update } = input;
    const { version, policy } = await this.identity.policies.update(admin.tenant.id, update as TenantPolicyUpdate, {
      apiKeyId: admin.apiKeyId,
      expectedVersion,
      at: this.identity.clock.now(),
    });
    return presentPolicy(version, policy);
  }

  @RequiresScope('providers:write')
  @Mutation(() => [SmsProviderConfigObject], { description: 'Replaces the ordered provider list. Credentials are write-only.' })
  async configureSmsProviders(@CurrentAdmin() admin: AdminCaller, @Args('input') input: ConfigureSmsProvidersInput): Promise<SmsProviderConfigObject[]> {
    return (await this.identity.smsProviders.configure(admin, input.providers)).map(presentSmsProvider);
  }

  @RequiresScope('policy:read')
  @Query(() => [SmsProviderConfigObject], { description: 'The providers in routing order, without credentials.' })
  async smsProviders(@CurrentAdmin() admin: AdminCaller): Promise<SmsProviderConfigObject[]> {
    return (await this.identity.smsProviders.list(admin.tenant.id)).map(presentSmsProvider);
  }

  @RequiresScope('policy:read')
  @Query(() => [SmsPrefixHoldObject], { description: 'SMS pumping holds: the latest of each country calling code, newest first, lifted and ended ones included.' })
  async smsPrefixHolds(@CurrentAdmin() admin: AdminCaller): Promise<SmsPrefixHoldObject[]> {
    return (await this.identity.smsPumping.holds(admin.tenant.id)).map(presentSmsPrefixHold);
  }

  @RequiresScope('policy:write')
  @Mutation(() => SmsPrefixHoldObject, { description: 'Ends the hold on a country calling code (+44); it is then not held again for an hour.' })
  async liftSmsPrefixHold(@CurrentAdmin() admin: AdminCaller, @Args('prefix', { type: () => String }) prefix: string): Promise<SmsPrefixHoldObject> {
    return presentSmsPrefixHold(await this.identity.smsPumping.lift(admin, prefix));
  }

  @RequiresScope('keys:manage')
  @Mutation(() => CreateApiKeyPayloadObject, { description: 'The key is in the answer once and never again.' })
  async createApiKey(@CurrentAdmin() admin: AdminCaller, @Args('input') input: CreateApiKeyInput): Promise<CreateApiKeyPayloadObject> {
    const { key, ...apiKey } = await this.identity.admin.createApiKey(admin, input);
    return { apiKey, key };
  }

  @RequiresScope('keys:manage')
  @Mutation(() => Boolean)
  revokeApiKey(@CurrentAdmin() admin: AdminCaller, @Args('id', { type: () => ID }) id: string): Promise<boolean> {
    return this.identity.admin.revokeApiKey(admin, id);
  }

  @RequiresScope('audit:read')
  @Query(() => AuditEventConnectionObject, { description: 'Newest first, cursor-paginated.' })
  async auditEvents(@CurrentAdmin() admin: AdminCaller, @Args() args: AuditEventsArgs): Promise<AuditEventConnectionObject> {
    const { events, hasNextPage } = await this.identity.admin.auditEvents(admin, { first: args.first, after: args.after, ...args.filter });
    const edges = events.map((event) => ({ cursor: encodeCursor(event.id), node: presentAuditEvent(event) }));
    return { edges, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}
