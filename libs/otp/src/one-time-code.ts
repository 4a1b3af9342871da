/** Allowed code lengths (NIST SP 800-63B 5.1.3.2 asks for at least 6 digits; 10 is the policy ceiling). */
export const MIN_CODE_LENGTH = 6;
export const MAX_CODE_LENGTH = 10;

/** A uniform random integer in [0, maxExclusive); production passes `crypto.randomInt`. */
export type RandomInt = (maxExclusive: number) => number;

/**
 * A one-time code of `length` decimal digits, each drawn uniformly from `randomInt(10)`.
 * Leading zeros are kept, so the code is a string, never a number.
 */
export function generateCode(length: number, randomInt: RandomInt): string {
  if (!Number.isInteger(length) || length < MIN_CODE_LENGTH || length > MAX_CODE_LENGTH) {
    throw new RangeError(`code length must be an integer from ${MIN_CODE_LENGTH} to ${MAX_CODE_LENGTH}, got ${length}`);
  }
  let code = '';
  for (let i = 0; i < length; i++) {
    const digit = randomInt(10);
    // A broken random source must fail loudly rather than yield a short or non-digit code.
    if (!Number.isInteger(digit) || digit < 0 || digit > 9) {
      throw new RangeError(`randomInt(10) returned ${digit}`);
    }
    code += String(digit);
  }
  return code;
}

/** True when `code` is 6 to 10 ASCII digits: the only shape a generated code can have. */
export function isCodeFormat(code: string): boolean {
  return /^[0-9]{6,10}$/.test(code);
}

/**
 * What the user typed, reduced to what a code can contain: full-width digits (a Japanese IME's
 * default) become ASCII by NFKC, and the spaces and hyphens people add to group digits are dropped.
 * Anything else is left in place so that `verifyCode` refuses it.
 */
export function normalizeCodeInput(input: string): string {
  return input.normalize('NFKC').replace(/[\s\-\u2010-\u2015\u2212\u30fc]/g, '');
}
