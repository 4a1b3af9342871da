import { normaliseLoginId } from './login-id';

describe('normaliseLoginId', () => {
  it.each([
    ['  Alice@Example.COM ', 'alice@example.com'],
    ['Ａｌｉｃｅ', 'alice'],
    ['ÅNGSTRÖM', 'ångström'],
    ['ﬁle', 'file'],
  ])('%j → %j', (input, expected) => {
    expect(normaliseLoginId(input)).toBe(expected);
  });

  it('is idempotent', () => {
    for (const s of ['MiXeD', 'Ｆｕｌｌ', ' x ', 'İstanbul']) {
      expect(normaliseLoginId(normaliseLoginId(s))).toBe(normaliseLoginId(s));
    }
  });
});
