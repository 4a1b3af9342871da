import { dictionary } from '@zxcvbn-ts/language-common';

// zxcvbn-ts ships the most common passwords from breach corpora (~49,000 entries), maintained upstream.
let commonPasswords: ReadonlySet<string> | null = null;

export function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return commonPasswords.has(password.toLowerCase());
}

export function commonPasswordCount(): number {
  isCommonPassword('');
  return commonPasswords?.size ?? 0;
}
