import { Field, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsEnum, IsObject, IsOptional, IsString, IsUUID, Length, MaxLength, ValidateNested } from 'class-validator';
import { ChallengePurposeKind, SmsProviderKind } from './enums';
import { JsonObjectScalar } from './json-object.scalar';

@InputType()
export class StartSmsChallengeInput {
  @Field(() => ChallengePurposeKind) @IsEnum(ChallengePurposeKind) purpose: ChallengePurposeKind;
  @Field({ nullable: true, description: 'ENROLL_PHONE: the new number. STEP_UP: optional, must match the verified number.' })
  @IsOptional() @IsString() @Length(1, 40) phoneNumber?: string;
  @Field({ nullable: true, description: 'Message language (ja, en, …); the tenant default otherwise.' })
  @IsOptional() @IsString() @Length(2, 10) locale?: string;
}

@InputType()
export class VerifySmsChallengeInput {
  @Field() @IsUUID() challengeId: string;
  @Field() @IsString() @Length(1, 32) code: string;
}

@InputType()
export class SmsProviderInput {
  @Field(() => SmsProviderKind) @IsEnum(SmsProviderKind) type: SmsProviderKind;
  @Field({ nullable: true, description: "Overrides the provider's endpoint; for WEBHOOK, the URL posted to." })
  @IsOptional() @IsString() @MaxLength(2048) baseUrl?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(64) sender?: string;
  @Field(() => [String], { nullable: true, description: 'ISO 3166 codes this provider is limited to.' })
  @IsOptional() @IsString({ each: true }) @ArrayMaxSize(250) countries?: string[];
  @Field(() => JsonObjectScalar, { nullable: true, description: 'Write-only; encrypted at rest.' })
  @IsOptional() @IsObject() credentials?: Record<string, string>;
}

@InputType()
export class ConfigureSmsProvidersInput {
  @Field(() => [SmsProviderInput]) @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => SmsProviderInput) providers: SmsProviderInput[];
}
