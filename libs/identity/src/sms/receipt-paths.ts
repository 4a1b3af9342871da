import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Each configured provider gets an unguessable callback path, derived from the server secret and the
 * configuration id, so nothing needs storing and a guessed id alone reaches nothing.
 */
export class ReceiptPaths {
  private readonly key: Buffer;

  constructor(secret: string, private readonly publicUrl: string | null) {
    this.key = Buffer.from(hkdfSync('sha256', secret, '', 'honnin:receipt-path', 32));
  }

  path(configId: string): string {
    return `/sms/receipts/${configId}/${this.token(configId)}`;
  }

  /** The full URL to hand to providers, or null when this service has no public URL. */
  url(configId: string): string | null {
    return this.publicUrl ? `${this.publicUrl}${this.path(configId)}` : null;
  }

  verify(configId: string, token: string): boolean {
    const expected = Buffer.from(this.token(configId));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private token(configId: string): string {
    return createHmac('sha256', this.key).update(configId).digest('base64url');
  }
}
