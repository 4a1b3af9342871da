import { isGsm7 } from './gsm7';

describe('GSM-7 detection', () => {
  it('accepts the default alphabet and its extension table', () => {
    expect(isGsm7('Your code is 123456. @£$¥ èéùìò ÄÖÑÜ§¿ {}[]~|^€\\')).toBe(true);
    expect(isGsm7('')).toBe(true);
  });

  it('refuses anything else', () => {
    expect(isGsm7('認証コード 123456')).toBe(false);
    expect(isGsm7('code: 123456 ✓')).toBe(false);
    expect(isGsm7('ç')).toBe(false); // only upper-case Ç is in the alphabet
    expect(isGsm7('`')).toBe(false);
    expect(isGsm7('😀')).toBe(false);
  });
});
