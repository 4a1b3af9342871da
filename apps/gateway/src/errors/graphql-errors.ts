import { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { IdentityError, IdentityErrorCode } from '@honnin/identity';
import type { Logger } from 'pino';

/**
 * Which facts each public code may carry in `extensions` (DESIGN.md §5). `satisfies` makes a new code
 * without an entry fail to compile; anything not listed here never reaches a client.
 */
const PUBLIC_EXTENSIONS = {
  BAD_USER_INPUT: ['fields'],
  UNAUTHENTICATED: [],
  FORBIDDEN: [],
  TENANT_NOT_FOUND: [],
  INVALID_CREDENTIALS: [],
  INSUFFICIENT_AUTHENTICATION: ['requiredAal', 'maxAgeSeconds', 'reason'],
  INVALID_CODE: ['attemptsRemaining'],
  CODE_EXPIRED: [],
  TOO_MANY_ATTEMPTS: [],
  CHALLENGE_NOT_FOUND: [],
  RATE_LIMITED: ['retryAfterSeconds'],
  PHONE_NOT_ALLOWED: ['reason'],
  PHONE_ALREADY_IN_USE: [],
  PHONE_MISMATCH: [],
  PHONE_REQUIRED: [],
  DELIVERY_FAILED: [],
  INTERNAL: [],
} as const satisfies Record<IdentityErrorCode, readonly string[]>;

// Apollo's own codes for documents that do not parse, validate or coerce: the client's fault.
const GRAPHQL_INPUT_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE']);

/** Apollo `formatError`: typed errors keep their code and allowed facts; everything else is INTERNAL. */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof IdentityError) return present(formatted, original);
    const apolloCode = formatted.extensions?.['code'];
    if (typeof apolloCode === 'string' && GRAPHQL_INPUT_CODES.has(apolloCode)) {
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code: 'BAD_USER_INPUT', fields: [] } };
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error in a GraphQL operation');
    return { message: 'Internal server error.', path: formatted.path, extensions: { code: 'INTERNAL' } };
  };
}

function present(formatted: GraphQLFormattedError, error: IdentityError): GraphQLFormattedError {
  const extensions: Record<string, unknown> = { code: error.code };
  for (const key of PUBLIC_EXTENSIONS[error.code]) {
    if (key in error.details) extensions[key] = error.details[key];
  }
  if (error.code === 'BAD_USER_INPUT' && !extensions['fields']) extensions['fields'] = [];
  return { message: error.message, locations: formatted.locations, path: formatted.path, extensions };
}
