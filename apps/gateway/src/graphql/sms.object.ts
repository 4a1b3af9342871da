import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { ChallengePurposeKind, ChallengeStatusKind, DeliveryStatusKind, SmsProviderKind } from './enums';

@ObjectType('SmsChallenge')
export class SmsChallengeObject {
  @Field(() => ID) id: string;
  @Field(() => ChallengePurposeKind) purpose: ChallengePurposeKind;
  @Field() maskedPhoneNumber: string;
  @Field() expiresAt: Date;
  @Field(() => Date, { nullable: true, description: 'Null when no resend will be possible.' }) resendAvailableAt: Date | null;
  @Field(() => Int) attemptsRemaining: number;
  @Field(() => Int) codeLength: number;
  @Field(() => ChallengeStatusKind) status: ChallengeStatusKind;
  @Field(() => DeliveryStatusKind) deliveryStatus: DeliveryStatusKind;
}

@ObjectType('SmsProviderConfig')
export class SmsProviderConfigObject {
  @Field(() => ID) id: string;
  @Field(() => Int) position: number;
  @Field(() => SmsProviderKind) type: SmsProviderKind;
  @Field(() => String, { nullable: true }) baseUrl: string | null;
  @Field(() => String, { nullable: true }) sender: string | null;
  @Field(() => [String]) countries: string[];
  @Field(() => [String], { description: 'Names of the credential fields that are set; values are never returned.' }) credentialFields: string[];
  @Field(() => String, { nullable: true, description: 'Where this provider should post delivery receipts; null for providers without them.' })
  deliveryReceiptUrl: string | null;
  @Field() createdAt: Date;
}
