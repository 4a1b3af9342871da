import { ArgsType, Field, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsDate, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min, ValidateNested } from 'class-validator';

@InputType()
export class CreateTenantInput {
  @Field() @IsString() @Length(1, 63) slug: string;
  @Field() @IsString() @Length(1, 100) name: string;
}

@InputType()
export class CreateApiKeyInput {
  @Field() @IsString() @Length(1, 100) name: string;
  @Field(() => [String]) @IsString({ each: true }) @Length(1, 40, { each: true }) @ArrayMaxSize(10) scopes: string[];
}

@InputType()
export class AuditEventFilter {
  @Field({ nullable: true }) @IsOptional() @IsString() @Length(1, 100) type?: string;
  @Field({ nullable: true }) @IsOptional() @IsUUID() userId?: string;
  @Field({ nullable: true }) @IsOptional() @IsDate() since?: Date;
  @Field({ nullable: true }) @IsOptional() @IsDate() until?: Date;
}

@ArgsType()
export class AuditEventsArgs {
  @Field(() => Int, { defaultValue: 50 }) @IsInt() @Min(1) @Max(200) first: number;
  @Field({ nullable: true }) @IsOptional() @IsString() @Length(1, 200) after?: string;
  @Field(() => AuditEventFilter, { nullable: true }) @IsOptional() @ValidateNested() @Type(() => AuditEventFilter) filter?: AuditEventFilter;
}
