/** The public error codes of DESIGN.md §5. Every failure a client can see carries exactly one. */
export const IDENTITY_ERROR_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'TENANT_NOT_FOUND',
  'INVALID_CREDENTIALS',
  'INSUFFICIENT_AUTHENTICATION',
  'INVALID_CODE',
  'CODE_EXPIRED',
  'TOO_MANY_ATTEMPTS',
  'CHALLENGE_NOT_FOUND',
  'RATE_LIMITED',
  'PHONE_NOT_ALLOWED',
  'PHONE_ALREADY_IN_USE',
  'PHONE_MISMATCH',
  'PHONE_REQUIRED',
  'DELIVERY_FAILED',
  'INTERNAL',
] as const;
export type IdentityErrorCode = (typeof IDENTITY_ERROR_CODES)[number];

/** A field named in a BAD_USER_INPUT error, by its path in the input (`otp.ttlSeconds`). */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Extra facts a client may see, per code (requiredAal, attemptsRemaining, ...). Never a secret. */
export type IdentityErrorDetails = Record<string, string | number | boolean | null | FieldProblem[] | string[]>;

export class IdentityError extends Error {
  constructor(
    readonly code: IdentityErrorCode,
    message: string,
    readonly details: IdentityErrorDetails = {},
  ) {
    super(message);
    this.name = 'IdentityError';
  }

  static badInput(fields: FieldProblem[]): IdentityError {
    return new IdentityError('BAD_USER_INPUT', 'The input is not valid.', { fields });
  }
}
