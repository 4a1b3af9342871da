import { Algorithm, hash, verify } from '@node-rs/argon2';

// OWASP's argon2id baseline (19 MiB, 2 passes): tens of milliseconds on this class of machine.
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export class PasswordHasher {
  private dummyHash: Promise<string> | null = null;

  hash(normalisedPassword: string): Promise<string> {
    return hash(normalisedPassword, OPTIONS);
  }

  async verify(storedHash: string, normalisedPassword: string): Promise<boolean> {
    try {
      return await verify(storedHash, normalisedPassword);
    } catch {
      return false;
    }
  }

  /** Spends the same work as a real check, so an unknown login id answers in the same time. */
  async verifyAgainstDummy(normalisedPassword: string): Promise<false> {
    this.dummyHash ??= this.hash('honnin dummy password for unknown login ids');
    await this.verify(await this.dummyHash, normalisedPassword);
    return false;
  }
}
