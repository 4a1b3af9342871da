import { GraphqlResult } from '@honnin/testing';

/**
 * The codes of DESIGN.md §5 a client may be given for its own doing. `INTERNAL` is in that list too,
 * but it means the service failed: no input, however hostile, may produce it.
 */
export const PUBLIC_ERROR_CODES = [
  'BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'TENANT_NOT_FOUND', 'INVALID_CREDENTIALS', 'INSUFFICIENT_AUTHENTICATION',
  'INVALID_CODE', 'CODE_EXPIRED', 'TOO_MANY_ATTEMPTS', 'CHALLENGE_NOT_FOUND', 'RATE_LIMITED', 'PHONE_NOT_ALLOWED',
  'PHONE_ALREADY_IN_USE', 'PHONE_MISMATCH', 'PHONE_REQUIRED', 'DELIVERY_FAILED',
] as const;

/** What an answer must never show (DESIGN §5: no stack, no SQL), unless the request itself carried the text. */
const LEAKS: [string, RegExp][] = [
  ['a stack frame', /\bat [\w.<>]+ \([^)]*:\d+:\d+\)/],
  ['a stack trace field', /"stacktrace"/],
  ['a Postgres message', /violates (unique|foreign key|check|not-null) constraint|relation "[a-z_]+"|syntax error at or near|invalid byte sequence for encoding/],
  ['an SQL statement', /\b(SELECT [\w*", ]+ FROM|INSERT INTO|UPDATE \w+ SET|DELETE FROM) /],
];

/**
 * How `result` breaks the public contract, one line per problem; empty when it keeps it: a status
 * below 500, a JSON body with data or errors, and every error typed with a public code. `sent` is
 * the request (body and headers) as text, so an echo of the caller's own input is not taken for a leak.
 */
export function contractViolations(result: GraphqlResult, sent: string): string[] {
  const problems: string[] = [];
  if (result.status >= 500) problems.push(`HTTP ${result.status}`);
  if (result.code?.startsWith('HTTP_')) problems.push(`a body that is not JSON (HTTP ${result.status})`);
  else if (result.data === null && !result.errors?.length) problems.push('neither data nor errors');
  for (const error of result.errors ?? []) {
    const code = error.extensions?.['code'];
    if (typeof code !== 'string') problems.push('an error without extensions.code');
    else if (code === 'INTERNAL') problems.push('INTERNAL');
    else if (!(PUBLIC_ERROR_CODES as readonly string[]).includes(code)) problems.push(`the unlisted code ${code}`);
  }
  for (const [what, pattern] of LEAKS) {
    const shown = pattern.exec(result.raw);
    if (shown && !sent.includes(shown[0])) problems.push(`${what} in the answer`);
  }
  return problems;
}

/** The `extensions.code` of every error, `OK` for an answer without errors. */
export function outcomeOf(result: GraphqlResult): string {
  return result.errors?.length ? String(result.errors[0].extensions?.['code'] ?? 'UNTYPED') : 'OK';
}
