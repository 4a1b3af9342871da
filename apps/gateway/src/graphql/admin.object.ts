import { Field, ID, ObjectType } from '@nestjs/graphql';

@ObjectType('Tenant')
export class TenantObject {
  @Field(() => ID) id: string;
  @Field() slug: string;
  @Field() name: string;
}

@ObjectType('CreateTenantPayload')
export class CreateTenantPayloadObject {
  @Field(() => TenantObject) tenant: TenantObject;
  @Field({ description: 'An API key with every scope; shown once.' }) adminApiKey: string;
}

@ObjectType('ApiKey')
export class ApiKeyObject {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => [String]) scopes: string[];
  @Field() createdAt: Date;
}

@ObjectType('CreateApiKeyPayload')
export class CreateApiKeyPayloadObject {
  @Field(() => ApiKeyObject) apiKey: ApiKeyObject;
  @Field({ description: 'The key itself; shown once, stored only as a hash.' }) key: string;
}

@ObjectType('AuditEvent')
export class AuditEventObject {
  @Field(() => ID) id: string;
  @Field() type: string;
  @Field() outcome: string;
  @Field(() => ID, { nullable: true }) userId: string | null;
  @Field(() => ID, { nullable: true }) sessionId: string | null;
  @Field(() => ID, { nullable: true }) apiKeyId: string | null;
  @Field(() => String, { nullable: true }) ip: string | null;
  @Field(() => String, { nullable: true }) userAgent: string | null;
  @Field({ description: 'Facts about the event, as a JSON object.' }) details: string;
  @Field() createdAt: Date;
}

@ObjectType('AuditEventEdge')
export class AuditEventEdgeObject {
  @Field() cursor: string;
  @Field(() => AuditEventObject) node: AuditEventObject;
}

@ObjectType('PageInfo')
export class PageInfoObject {
  @Field() hasNextPage: boolean;
  @Field(() => String, { nullable: true }) endCursor: string | null;
}

@ObjectType('AuditEventConnection')
export class AuditEventConnectionObject {
  @Field(() => [AuditEventEdgeObject]) edges: AuditEventEdgeObject[];
  @Field(() => PageInfoObject) pageInfo: PageInfoObject;
}
