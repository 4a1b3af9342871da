import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox('x'.repeat(64));

  it('round-trips and never leaves the plaintext in the ciphertext', () => {
    const sealed = box.seal('{"authToken":"very-secret-token"}', 'provider:t1:0');
    expect(sealed.toString('latin1')).not.toContain('very-secret-token');
    expect(box.open(sealed, 'provider:t1:0')).toBe('{"authToken":"very-secret-token"}');
  });

  it('refuses another context, a tampered byte, and another secret', () => {
    const sealed = box.seal('body', 'outbox:a');
    expect(() => box.open(sealed, 'outbox:b')).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    expect(() => box.open(tampered, 'outbox:a')).toThrow();
    expect(() => new SecretBox('y'.repeat(64)).open(sealed, 'outbox:a')).toThrow();
  });

  it('uses a fresh IV each time, across refills of its block of random bytes', () => {
    expect(box.seal('same', 'c').equals(box.seal('same', 'c'))).toBe(false);
    const ivs = Array.from({ length: 1000 }, () => box.seal('same', 'c').subarray(1, 13).toString('hex'));
    expect(new Set(ivs).size).toBe(1000);
    expect(box.open(box.seal('after refills', 'c'), 'c')).toBe('after refills');
  });
});
