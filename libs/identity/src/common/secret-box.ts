import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const KEY_ID = 1;

/**
 * AES-256-GCM for secrets kept at rest (provider credentials, SMS bodies in the outbox). The key is
 * derived from HONNIN_SECRET with HKDF; each ciphertext starts with a key id so the key can rotate,
 * and is bound to what it belongs to through the associated data (`context`).
 */
export class SecretBox {
  private readonly keys: ReadonlyMap<number, Buffer>;

  constructor(secretMaterial: string) {
    this.keys = new Map([[KEY_ID, Buffer.from(hkdfSync('sha256', secretMaterial, '', `honnin:secret-box:${KEY_ID}`, 32))]]);
  }

  seal(plaintext: string, context: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key(KEY_ID), iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([KEY_ID]), iv, cipher.getAuthTag(), body]);
  }

  /** Throws when the ciphertext was altered, moved to another context, or sealed with an unknown key. */
  open(sealed: Buffer, context: string): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key(sealed[0]), sealed.subarray(1, 13));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(sealed.subarray(13, 29));
    return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8');
  }

  private key(id: number): Buffer {
    const key = this.keys.get(id);
    if (!key) throw new Error(`no key with id ${id}`);
    return key;
  }
}
