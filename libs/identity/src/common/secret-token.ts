import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, base64url: session tokens and API keys. */
export function newSecretToken(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** Tokens are stored as their SHA-256: a leaked table holds nothing usable. */
export function hashSecretToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
