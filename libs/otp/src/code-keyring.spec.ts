import { createHmac, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { deriveCodeKeyring, hashCode, verifyCode, type CodeKeyring } from './code-keyring';

const SECRET = 'a server secret of reasonable length for tests';

describe('deriveCodeKeyring', () => {
  it('derives a 32-byte key per id with HKDF-SHA256 and info honnin:otp:<keyId>', () => {
    const keyring = deriveCodeKeyring(SECRET, ['v1', 'v2']);
    for (const keyId of ['v1', 'v2']) {
      const expected = Buffer.from(hkdfSync('sha256', Buffer.from(SECRET), Buffer.alloc(0), `honnin:otp:${keyId}`, 32));
      expect(keyring.keys.get(keyId)).toEqual(expected);
    }
    expect(keyring.keys.get('v1')).not.toEqual(keyring.keys.get('v2'));
  });

  it('makes the last id current and defaults to v1', () => {
    expect(deriveCodeKeyring(SECRET, ['v1', 'v2']).currentKeyId).toBe('v2');
    expect(deriveCodeKeyring(SECRET).currentKeyId).toBe('v1');
    expect([...deriveCodeKeyring(SECRET).keys.keys()]).toEqual(['v1']);
  });

  it('is deterministic, and a string secret equals its UTF-8 bytes', () => {
    expect(deriveCodeKeyring(SECRET).keys.get('v1')).toEqual(deriveCodeKeyring(Buffer.from(SECRET, 'utf8')).keys.get('v1'));
    expect(deriveCodeKeyring(SECRET).keys.get('v1')).not.toEqual(deriveCodeKeyring(`${SECRET}!`).keys.get('v1'));
  });

  it.each([
    ['an empty secret', '', ['v1']],
    ['no key ids', SECRET, []],
    ['a repeated key id', SECRET, ['v1', 'v1']],
    ['a key id with a colon', SECRET, ['v:1']],
    ['an empty key id', SECRET, ['']],
  ])('refuses %s', (_case, secret, keyIds) => {
    expect(() => deriveCodeKeyring(secret, keyIds)).toThrow(RangeError);
  });
});

describe('hashCode', () => {
  it('is HMAC-SHA256 under the current key of "<challengeId>:<code>"', () => {
    const keyring = deriveCodeKeyring(SECRET, ['v1', 'v2']);
    const stored = hashCode(keyring, 'challenge-1', '012345');
    const key = keyring.keys.get('v2');
    expect(key).toBeDefined();
    expect(stored.keyId).toBe('v2');
    expect(stored.hash).toEqual(createHmac('sha256', key as Buffer).update('challenge-1:012345').digest());
  });

  it('does not contain the code', () => {
    const stored = hashCode(deriveCodeKeyring(SECRET), 'c', '123456');
    expect(stored.hash.toString('latin1')).not.toContain('123456');
    expect(stored.hash.toString('hex')).not.toContain('123456');
  });

  it('refuses to hash something that is not a code', () => {
    expect(() => hashCode(deriveCodeKeyring(SECRET), 'c', '12345')).toThrow(RangeError);
    expect(() => hashCode(deriveCodeKeyring(SECRET), 'c', '12345a')).toThrow(RangeError);
  });

  it('refuses a keyring whose current key is missing', () => {
    const broken: CodeKeyring = { currentKeyId: 'v9', keys: deriveCodeKeyring(SECRET).keys };
    expect(() => hashCode(broken, 'c', '123456')).toThrow(RangeError);
  });
});

describe('verifyCode', () => {
  const keyring = deriveCodeKeyring(SECRET);
  const code = fc.stringMatching(/^[0-9]{6,10}$/);
  const challengeId = fc.uuid();

  it('accepts the right code for its own challenge', () => {
    fc.assert(
      fc.property(challengeId, code, (id, c) => verifyCode(keyring, id, c, hashCode(keyring, id, c))),
    );
  });

  it('refuses any other code', () => {
    fc.assert(
      fc.property(challengeId, code, code, (id, right, typed) => {
        fc.pre(right !== typed);
        expect(verifyCode(keyring, id, typed, hashCode(keyring, id, right))).toBe(false);
      }),
    );
  });

  it('refuses the right code on another challenge', () => {
    fc.assert(
      fc.property(challengeId, challengeId, code, (a, b, c) => {
        fc.pre(a !== b);
        expect(verifyCode(keyring, b, c, hashCode(keyring, a, c))).toBe(false);
      }),
    );
  });

  it('keeps verifying hashes of an older key while it is in the ring', () => {
    const old = deriveCodeKeyring(SECRET, ['v1']);
    const stored = hashCode(old, 'c', '654321');
    const rotated = deriveCodeKeyring(SECRET, ['v1', 'v2']);
    expect(verifyCode(rotated, 'c', '654321', stored)).toBe(true);
    expect(hashCode(rotated, 'c', '654321').keyId).toBe('v2');
    const retired = deriveCodeKeyring(SECRET, ['v2']);
    expect(verifyCode(retired, 'c', '654321', stored)).toBe(false);
  });

  it('refuses a hash made from another secret', () => {
    const stored = hashCode(deriveCodeKeyring('another secret'), 'c', '123456');
    expect(verifyCode(keyring, 'c', '123456', stored)).toBe(false);
  });

  it.each(['12345', '12345678901', '12345a', '', '１２３４５６', '123456 '])('answers false for the submitted value %p', (typed) => {
    const stored = hashCode(keyring, 'c', '123456');
    expect(verifyCode(keyring, 'c', typed, stored)).toBe(false);
  });

  it('answers false for an unknown key id or a stored hash of the wrong size', () => {
    const stored = hashCode(keyring, 'c', '123456');
    expect(verifyCode(keyring, 'c', '123456', { keyId: 'v7', hash: stored.hash })).toBe(false);
    expect(verifyCode(keyring, 'c', '123456', { keyId: 'v1', hash: stored.hash.subarray(0, 31) })).toBe(false);
    expect(verifyCode(keyring, 'c', '123456', { keyId: 'v1', hash: Buffer.concat([stored.hash, Buffer.from([0])]) })).toBe(false);
    expect(verifyCode(keyring, 'c', '123456', { keyId: 'v1', hash: Buffer.alloc(0) })).toBe(false);
  });

  it('never throws, whatever is submitted or stored', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.uint8Array({ maxLength: 64 }), (id, typed, keyId, hash) => {
        expect(typeof verifyCode(keyring, id, typed, { keyId, hash: Buffer.from(hash) })).toBe('boolean');
      }),
    );
  });
});
