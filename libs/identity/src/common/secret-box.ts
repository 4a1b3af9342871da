import { createCipheriv, createDecipheriv, hkdfSync, randomFillSync } from 'node:crypto';

const KEY_ID = 1;
const IV_BYTES = 12;

/**
 * AES-256-GCM for secrets kept at rest (provider credentials, SMS bodies in the outbox). The key is
 * derived from HONNIN_SECRET with HKDF; each ciphertext starts with a key id so the key can rotate,
 * and is bound to what it belongs to through the associated data (`context`).
 */
export class SecretBox {
  private readonly keys: ReadonlyMap<number, Buffer>;
  private readonly ivPool = Buffer.alloc(IV_BYTES * 256);
  private ivOffset = this.ivPool.length;

  constructor(secretMaterial: string) {
    this.keys = new Map([[KEY_ID, Buffer.from(hkdfSync('sha256', secretMaterial, '', `honnin:secret-box:${KEY_ID}`, 32))]]);
  }

  seal(plaintext: string, context: string): Buffer {
    const iv = this.nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.key(KEY_ID), iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([KEY_ID]), iv, cipher.getAuthTag(), body]);
  }

  /** Throws when the ciphertext was altered, moved to another context, or sealed with an unknown key. */
  open(sealed: Buffer, context: string): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key(sealed[0]), sealed.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(sealed.subarray(1 + IV_BYTES, 17 + IV_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(17 + IV_BYTES)), decipher.final()]).toString('utf8');
  }

  /**
   * A fresh random 96-bit IV, cut from a block of random bytes filled at once: asking the system for
   * 12 bytes at a time costs more than the encryption. Every IV is used once.
   */
  private nextIv(): Buffer {
    if (this.ivOffset + IV_BYTES > this.ivPool.length) {
      randomFillSync(this.ivPool);
      this.ivOffset = 0;
    }
    const iv = Buffer.from(this.ivPool.subarray(this.ivOffset, this.ivOffset + IV_BYTES));
    this.ivOffset += IV_BYTES;
    return iv;
  }

  private key(id: number): Buffer {
    const key = this.keys.get(id);
    if (!key) throw new Error(`no key with id ${id}`);
    return key;
  }
}
