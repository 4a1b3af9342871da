import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { isCodeFormat } from './one-time-code';

/**
 * The HMAC keys codes are hashed with, by key id. New hashes use `currentKeyId`; older ids stay in
 * `keys` while challenges hashed with them may still be verified, which is how the key rotates.
 */
export interface CodeKeyring {
  readonly currentKeyId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** What is stored for a challenge instead of its code: the key id and HMAC-SHA256 of `challengeId:code`. */
export interface CodeHash {
  readonly keyId: string;
  readonly hash: Buffer;
}

const KEY_BYTES = 32;
const HASH_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,32}$/;

/**
 * Derives one HMAC key per key id from the server secret with HKDF-SHA256 (info `honnin:otp:<keyId>`),
 * so one secret yields independent, versioned keys. `keyIds` go oldest first: the last is current,
 * so rotating means appending an id and dropping the oldest once its challenges have expired.
 */
export function deriveCodeKeyring(secretMaterial: string | Buffer, keyIds: readonly string[] = ['v1']): CodeKeyring {
  const secret = typeof secretMaterial === 'string' ? Buffer.from(secretMaterial, 'utf8') : secretMaterial;
  if (secret.length === 0) {
    throw new RangeError('code keyring secret material is empty');
  }
  if (keyIds.length === 0) {
    throw new RangeError('code keyring needs at least one key id');
  }
  const keys = new Map<string, Buffer>();
  for (const keyId of keyIds) {
    if (!KEY_ID_PATTERN.test(keyId)) {
      throw new RangeError(`code key id ${JSON.stringify(keyId)} must match ${KEY_ID_PATTERN}`);
    }
    if (keys.has(keyId)) {
      throw new RangeError(`code key id ${JSON.stringify(keyId)} is listed twice`);
    }
    const key = hkdfSync('sha256', secret, Buffer.alloc(0), `honnin:otp:${keyId}`, KEY_BYTES);
    keys.set(keyId, Buffer.from(key));
  }
  return { currentKeyId: keyIds[keyIds.length - 1], keys };
}

function hmac(key: Buffer, challengeId: string, code: string): Buffer {
  return createHmac('sha256', key).update(`${challengeId}:${code}`, 'utf8').digest();
}

/**
 * Hashes `code` for `challengeId` with the current key. The challenge id is part of the MAC input,
 * so the hash (and the code) means nothing for any other challenge.
 */
export function hashCode(keyring: CodeKeyring, challengeId: string, code: string): CodeHash {
  if (!isCodeFormat(code)) {
    throw new RangeError('a code to hash must be 6 to 10 digits');
  }
  const key = keyring.keys.get(keyring.currentKeyId);
  if (!key) {
    throw new RangeError(`current code key id ${JSON.stringify(keyring.currentKeyId)} is not in the keyring`);
  }
  return { keyId: keyring.currentKeyId, hash: hmac(key, challengeId, code) };
}

/**
 * True only when `code` is the code `stored` was made from for this challenge. Compares in constant
 * time, and answers false (never throws) for a key id no longer in the ring, a stored hash of the
 * wrong size, or a submitted value that is not 6 to 10 digits.
 */
export function verifyCode(keyring: CodeKeyring, challengeId: string, code: string, stored: CodeHash): boolean {
  const key = keyring.keys.get(stored.keyId);
  if (!key || !isCodeFormat(code) || stored.hash.length !== HASH_BYTES) {
    return false;
  }
  return timingSafeEqual(hmac(key, challengeId, code), stored.hash);
}
