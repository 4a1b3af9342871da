import { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
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
export function formatGraphqlError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof IdentityError) return present(formatted, original);
  if (isClientError(formatted) || raisedByGraphqlJs(error)) {
    return { message: withoutValues(formatted.message), locations: formatted.locations, path: formatted.path, extensions: { code: 'BAD_USER_INPUT', fields: [] } };
  }
  return { message: 'Internal server error.', path: formatted.path, extensions: { code: 'INTERNAL' } };
}

/** Logs every unexpected error with the request id, and hands that id to the client so support can find the log line. */
export function unexpectedErrorsPlugin(logger: Logger): ApolloServerPlugin<{ req: { id?: string } }> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            if (original instanceof IdentityError || isClientError(error) || raisedByGraphqlJs(error)) continue;
            logger.error({ err: original, requestId: contextValue.req?.id, path: error.path }, 'unexpected error in a GraphQL operation');
          }
        },
        async willSendResponse({ contextValue, response }) {
          if (response.body.kind !== 'single') return;
          for (const error of response.body.singleResult.errors ?? []) {
            if (error.extensions?.['code'] === 'INTERNAL') (error.extensions as Record<string, unknown>)['requestId'] = contextValue.req?.id;
          }
        },
      };
    },
  };
}

/**
 * graphql-js quotes the rejected input in its coercion messages; a refused provider configuration would
 * send its credentials back. Keep where and why, never what.
 */
export function withoutValues(message: string): string {
  return message
    .replace(/ got invalid value [\s\S]*?( at "[^"]*")?; /, ' has an invalid value$1; ')
    .replace(/, found [\s\S]*$/, '.')
    .replace(/(cannot represent [^:]*): [\s\S]*$/, '$1.');
}

/**
 * graphql-js's own refusals of a request it could not run (a subscription, more variable errors than
 * it lists): no resolver threw them, so they carry no original error and no path. The client's fault.
 */
function raisedByGraphqlJs(error: unknown): boolean {
  return error instanceof GraphQLError && error.originalError === undefined && error.path === undefined;
}

function isClientError(error: { extensions?: Record<string, unknown> }): boolean {
  const code = error.extensions?.['code'];
  return typeof code === 'string' && GRAPHQL_INPUT_CODES.has(code);
}

function present(formatted: GraphQLFormattedError, error: IdentityError): GraphQLFormattedError {
  const extensions: Record<string, unknown> = { code: error.code };
  for (const key of PUBLIC_EXTENSIONS[error.code]) {
    if (key in error.details) extensions[key] = error.details[key];
  }
  if (error.code === 'BAD_USER_INPUT' && !extensions['fields']) extensions['fields'] = [];
  return { message: error.message, locations: formatted.locations, path: formatted.path, extensions };
}
