import { Field, Int, ObjectType } from '@nestjs/graphql';
import { AalLevel } from './enums';

@ObjectType('ActionRequirement')
export class ActionRequirementObject {
  @Field() action: string;
  @Field(() => AalLevel) aal: AalLevel;
  @Field(() => Int, { nullable: true }) maxAgeSeconds: number | null;
}

@ObjectType('OtpPolicy')
export class OtpPolicyObject {
  @Field(() => Int) length: number;
  @Field(() => Int) ttlSeconds: number;
  @Field(() => Int) maxAttempts: number;
  @Field(() => Int) resendCooldownSeconds: number;
  @Field(() => Int) maxSendsPerChallenge: number;
}

@ObjectType('PhonePolicy')
export class PhonePolicyObject {
  @Field(() => [String]) allowedCountries: string[];
  @Field(() => [String]) blockedPrefixes: string[];
  @Field(() => [String], { description: 'Prefixes under the built-in high-risk calling codes (+870, +881, +882, +883, +979, +808) this tenant sends to.' })
  allowedHighRiskPrefixes: string[];
  @Field() mobileOnly: boolean;
  @Field() uniquePerTenant: boolean;
  @Field() requiredAtSignUp: boolean;
}

@ObjectType('LimitsPolicy')
export class LimitsPolicyObject {
  @Field(() => Int) sendsPerPhonePerHour: number;
  @Field(() => Int) sendsPerPhonePerDay: number;
  @Field(() => Int) sendsPerUserPerHour: number;
  @Field(() => Int) sendsPerIpPerHour: number;
  @Field(() => Int) sendsPerTenantPerHour: number;
  @Field(() => Int) sendsPerTenantPerDay: number;
  @Field(() => Int, { description: 'A country calling code is held when its sends in 10 minutes exceed max(this, its average per 10 minutes over 24 h × prefixBurstFactor).' })
  prefixBurstMinimum: number;
  @Field(() => Int) prefixBurstFactor: number;
  @Field(() => Int) verifyFailuresPerUserPerHour: number;
  @Field(() => Int) loginFailuresPerAccount: number;
  @Field(() => Int) loginFailuresPerIpPerHour: number;
}

@ObjectType('SessionPolicy')
export class SessionPolicyObject {
  @Field(() => Int) aal1MaxSeconds: number;
  @Field(() => Int) aal1IdleSeconds: number;
  @Field(() => Int) aal2MaxSeconds: number;
  @Field(() => Int) aal2IdleSeconds: number;
}

@ObjectType('PasswordPolicy')
export class PasswordPolicyObject {
  @Field(() => Int) minLength: number;
}

@ObjectType('MessageTemplate')
export class MessageTemplateObject {
  @Field() locale: string;
  @Field() text: string;
}

@ObjectType('MessagesPolicy')
export class MessagesPolicyObject {
  @Field() appName: string;
  @Field() defaultLocale: string;
  @Field(() => [MessageTemplateObject]) templates: MessageTemplateObject[];
  @Field(() => String, { nullable: true }) webOtpDomain: string | null;
}

@ObjectType('TenantPolicy')
export class TenantPolicyObject {
  @Field(() => Int, { description: 'Every update makes a new version.' }) version: number;
  @Field(() => [ActionRequirementObject]) actions: ActionRequirementObject[];
  @Field(() => AalLevel) defaultAal: AalLevel;
  @Field(() => AalLevel) loginRequiresAal: AalLevel;
  @Field(() => OtpPolicyObject) otp: OtpPolicyObject;
  @Field(() => PhonePolicyObject) phone: PhonePolicyObject;
  @Field(() => LimitsPolicyObject) limits: LimitsPolicyObject;
  @Field(() => SessionPolicyObject) session: SessionPolicyObject;
  @Field(() => PasswordPolicyObject) password: PasswordPolicyObject;
  @Field(() => MessagesPolicyObject) messages: MessagesPolicyObject;
}
