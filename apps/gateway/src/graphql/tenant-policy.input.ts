import { Field, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsBoolean, IsEnum, IsInt, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { AalLevel } from './enums';

// Shapes and sizes are checked here; the policy lib checks the bounds and reports every field path.
@InputType()
export class ActionRequirementInput {
  @Field() @IsString() @MaxLength(100) action: string;
  @Field(() => AalLevel) @IsEnum(AalLevel) aal: AalLevel;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() maxAgeSeconds?: number | null;
}

@InputType()
export class OtpPolicyInput {
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() length?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() ttlSeconds?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() maxAttempts?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() resendCooldownSeconds?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() maxSendsPerChallenge?: number;
}

@InputType()
export class PhonePolicyInput {
  @Field(() => [String], { nullable: true }) @IsOptional() @IsString({ each: true }) @MaxLength(20, { each: true }) @ArrayMaxSize(300) allowedCountries?: string[];
  @Field(() => [String], { nullable: true }) @IsOptional() @IsString({ each: true }) @MaxLength(20, { each: true }) @ArrayMaxSize(300) blockedPrefixes?: string[];
  @Field(() => [String], { nullable: true }) @IsOptional() @IsString({ each: true }) @MaxLength(20, { each: true }) @ArrayMaxSize(300) allowedHighRiskPrefixes?: string[];
  @Field({ nullable: true }) @IsOptional() @IsBoolean() mobileOnly?: boolean;
  @Field({ nullable: true }) @IsOptional() @IsBoolean() uniquePerTenant?: boolean;
  @Field({ nullable: true }) @IsOptional() @IsBoolean() requiredAtSignUp?: boolean;
}

@InputType()
export class LimitsPolicyInput {
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() sendsPerPhonePerHour?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() sendsPerPhonePerDay?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() sendsPerUserPerHour?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() sendsPerIpPerHour?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() sendsPerTenantPerHour?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() sendsPerTenantPerDay?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() prefixBurstMinimum?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() prefixBurstFactor?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() verifyFailuresPerUserPerHour?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() loginFailuresPerAccount?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() loginFailuresPerIpPerHour?: number;
}

@InputType()
export class SessionPolicyInput {
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() aal1MaxSeconds?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() aal1IdleSeconds?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() aal2MaxSeconds?: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() aal2IdleSeconds?: number;
}

@InputType()
export class PasswordPolicyInput {
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() minLength?: number;
}

@InputType()
export class MessageTemplateInput {
  @Field() @IsString() @MaxLength(20) locale: string;
  @Field() @IsString() @MaxLength(1000) text: string;
}

@InputType()
export class MessagesPolicyInput {
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) appName?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(20) defaultLocale?: string;
  @Field(() => [MessageTemplateInput], { nullable: true }) @IsOptional() @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => MessageTemplateInput) templates?: MessageTemplateInput[];
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(253) webOtpDomain?: string | null;
}

@InputType({ description: 'A partial update: sections and fields left out keep their values.' })
export class TenantPolicyInput {
  @Field(() => Int, { nullable: true, description: 'Refuse the update unless this is the version in force.' })
  @IsOptional() @IsInt() expectedVersion?: number | null;
  @Field(() => [ActionRequirementInput], { nullable: true, description: 'Replaces the custom action list; built-ins stay unless listed.' })
  @IsOptional() @ArrayMaxSize(1000) @ValidateNested({ each: true }) @Type(() => ActionRequirementInput) actions?: ActionRequirementInput[];
  @Field(() => AalLevel, { nullable: true }) @IsOptional() @IsEnum(AalLevel) defaultAal?: AalLevel;
  @Field(() => AalLevel, { nullable: true }) @IsOptional() @IsEnum(AalLevel) loginRequiresAal?: AalLevel;
  @Field(() => OtpPolicyInput, { nullable: true }) @IsOptional() @ValidateNested() @Type(() => OtpPolicyInput) otp?: OtpPolicyInput;
  @Field(() => PhonePolicyInput, { nullable: true }) @IsOptional() @ValidateNested() @Type(() => PhonePolicyInput) phone?: PhonePolicyInput;
  @Field(() => LimitsPolicyInput, { nullable: true }) @IsOptional() @ValidateNested() @Type(() => LimitsPolicyInput) limits?: LimitsPolicyInput;
  @Field(() => SessionPolicyInput, { nullable: true }) @IsOptional() @ValidateNested() @Type(() => SessionPolicyInput) session?: SessionPolicyInput;
  @Field(() => PasswordPolicyInput, { nullable: true }) @IsOptional() @ValidateNested() @Type(() => PasswordPolicyInput) password?: PasswordPolicyInput;
  @Field(() => MessagesPolicyInput, { nullable: true }) @IsOptional() @ValidateNested() @Type(() => MessagesPolicyInput) messages?: MessagesPolicyInput;
}
