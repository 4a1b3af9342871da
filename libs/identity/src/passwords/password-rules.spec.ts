import { commonPasswordCount } from './common-passwords';
import { normalisePassword, PASSWORD_MAX_LENGTH, passwordProblems } from './password-rules';

describe('password rules', () => {
  it('ships at least 10,000 common passwords', () => {
    expect(commonPasswordCount()).toBeGreaterThanOrEqual(10_000);
  });

  it('counts code points after NFKC, never truncates, and has no composition rules', () => {
    expect(passwordProblems(normalisePassword('a'.repeat(14)), 15)).toHaveLength(1);
    expect(passwordProblems(normalisePassword('correct horse battery'), 15)).toEqual([]);
    expect(passwordProblems(normalisePassword('🐱'.repeat(15)), 15)).toEqual([]);
    expect(passwordProblems('x'.repeat(64) + ' long passphrase', 15)).toEqual([]);
    expect(passwordProblems('y'.repeat(PASSWORD_MAX_LENGTH + 1), 15)[0].message).toMatch(/at most/);
    expect(normalisePassword('ｐａｓｓ')).toBe('pass');
  });

  it('refuses common passwords, whatever their case', () => {
    expect(passwordProblems('PASSWORD', 8)[0]).toEqual({ field: 'password', message: 'is too common; choose another' });
    expect(passwordProblems('qwertyuiop', 8)).toHaveLength(1);
  });
});
