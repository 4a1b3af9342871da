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
