import { FieldProblem } from '../errors/identity-error';
import { isCommonPassword } from './common-passwords';

/** Far above any real passphrase; only bounds the hashing work an attacker can ask for. */
export const PASSWORD_MAX_LENGTH = 1024;

/** NIST SP 800-63B: Unicode-normalised, never truncated, no composition rules. */
export function normalisePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Problems with a new password under the tenant's minimum length (in code points). */
export function passwordProblems(normalised: string, minLength: number, field = 'password'): FieldProblem[] {
  const length = [...normalised].length;
  if (length < minLength) return [{ field, message: `must be at least ${minLength} characters` }];
  if (length > PASSWORD_MAX_LENGTH) return [{ field, message: `must be at most ${PASSWORD_MAX_LENGTH} characters` }];
  if (isCommonPassword(normalised)) return [{ field, message: 'is too common; choose another' }];
  return [];
}
