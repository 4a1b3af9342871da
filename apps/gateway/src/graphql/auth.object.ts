import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { AalLevel, AuthorizationReason, NextStepKind } from './enums';
import { SmsChallengeObject } from './sms.object';

@ObjectType('User')
export class UserObject {
  @Field(() => ID) id: string;
  @Field() loginId: string;
  @Field(() => String, { nullable: true, description: 'The verified number, masked: +81 90-****-5678.' })
  maskedPhoneNumber: string | null;
}

@ObjectType('Session')
export class SessionObject {
  @Field(() => ID) id: string;
  @Field(() => AalLevel) aal: AalLevel;
  @Field(() => [String], { description: 'RFC 8176 authentication methods: pwd, sms, mfa.' }) amr: string[];
  @Field() authenticatedAt: Date;
  @Field(() => Date, { nullable: true }) aal2VerifiedAt: Date | null;
  @Field() expiresAt: Date;
}

@ObjectType('AuthPayload')
export class AuthPayloadObject {
  @Field({ description: 'Bearer token; shown once.' }) sessionToken: string;
  @Field(() => SessionObject) session: SessionObject;
  @Field(() => UserObject) user: UserObject;
  @Field(() => NextStepKind) nextStep: NextStepKind;
  @Field(() => SmsChallengeObject, { nullable: true, description: 'The enrolment a sign-up with a phone number started.' })
  smsChallenge: SmsChallengeObject | null;
}

@ObjectType('Viewer')
export class ViewerObject {
  @Field(() => UserObject) user: UserObject;
  @Field(() => SessionObject) session: SessionObject;
}

@ObjectType('AuthorizationDecision')
export class AuthorizationDecisionObject {
  @Field() action: string;
  @Field() allowed: boolean;
  @Field(() => AuthorizationReason) reason: AuthorizationReason;
  @Field(() => AalLevel) requiredAal: AalLevel;
  @Field(() => AalLevel, { nullable: true }) currentAal: AalLevel | null;
  @Field(() => Int, { nullable: true, description: 'How recent the proof must be, in seconds.' }) maxAgeSeconds: number | null;
}

@ObjectType('VerifyPayload')
export class VerifyPayloadObject {
  @Field({ description: 'A new bearer token; the previous one stops working.' }) sessionToken: string;
  @Field(() => SessionObject) session: SessionObject;
  @Field(() => UserObject) user: UserObject;
}
