import { registerEnumType } from '@nestjs/graphql';

export enum AalLevel {
  AAL1 = 'AAL1',
  AAL2 = 'AAL2',
}
export enum NextStepKind {
  NONE = 'NONE',
  VERIFY_PHONE = 'VERIFY_PHONE',
  ENROLL_PHONE = 'ENROLL_PHONE',
}
export enum AuthorizationReason {
  OK = 'OK',
  STEP_UP_REQUIRED = 'STEP_UP_REQUIRED',
  STALE_AUTHENTICATION = 'STALE_AUTHENTICATION',
  DENIED = 'DENIED',
}

registerEnumType(AalLevel, { name: 'Aal', description: 'Authenticator assurance level (NIST SP 800-63B).' });
registerEnumType(NextStepKind, { name: 'NextStep', description: 'What the client must do after signing in.' });
registerEnumType(AuthorizationReason, { name: 'AuthorizationReason' });

export enum ChallengePurposeKind {
  STEP_UP = 'STEP_UP',
  ENROLL_PHONE = 'ENROLL_PHONE',
}
export enum ChallengeStatusKind {
  PENDING = 'PENDING',
  VERIFIED = 'VERIFIED',
  EXPIRED = 'EXPIRED',
  EXHAUSTED = 'EXHAUSTED',
  UNDELIVERABLE = 'UNDELIVERABLE',
  CANCELLED = 'CANCELLED',
}
export enum DeliveryStatusKind {
  PENDING = 'PENDING',
  SENT = 'SENT',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}
export enum SmsProviderKind {
  CONSOLE = 'CONSOLE',
  WEBHOOK = 'WEBHOOK',
  TWILIO = 'TWILIO',
  TWILIO_VERIFY = 'TWILIO_VERIFY',
  VONAGE = 'VONAGE',
  AWS_SNS = 'AWS_SNS',
  KARADEN = 'KARADEN',
  MEDIA_SMS = 'MEDIA_SMS',
}

registerEnumType(ChallengePurposeKind, { name: 'ChallengePurpose' });
registerEnumType(ChallengeStatusKind, { name: 'ChallengeStatus' });
registerEnumType(DeliveryStatusKind, { name: 'DeliveryStatus' });
registerEnumType(SmsProviderKind, { name: 'SmsProviderType' });
