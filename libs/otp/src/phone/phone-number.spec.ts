import fc from 'fast-check';
import {
  checkPhoneRules,
  maskPhoneNumber,
  parsePhoneNumber,
  toNationalDigits,
  type ParsedPhoneNumber,
  type PhoneRules,
} from './phone-number';

const JP_ONLY: PhoneRules = { allowedCountries: ['JP'], blockedPrefixes: [], mobileOnly: true };

function parsed(input: string, defaultCountry?: string): ParsedPhoneNumber {
  const result = parsePhoneNumber(input, defaultCountry);
  if (!result.ok) throw new Error(`${input} did not parse`);
  return result;
}

describe('parsePhoneNumber', () => {
  it.each([
    ['+81 90-1234-5678', undefined],
    ['+819012345678', undefined],
    ['090-1234-5678', 'JP'],
    ['09012345678', 'jp'],
    ['(090) 1234 5678', 'JP'],
    ['０９０－１２３４－５６７８', 'JP'],
    ['＋８１ ９０ １２３４ ５６７８', undefined],
    ['090ー1234ー5678', 'JP'],
    ['090−1234−5678', 'JP'],
    ['  090-1234-5678  ', 'JP'],
    ['+81 90-1234-5678', 'US'],
  ])('reads %p (default country %p) as a Japanese mobile', (input, defaultCountry) => {
    expect(parsePhoneNumber(input, defaultCountry)).toEqual({ ok: true, e164: '+819012345678', country: 'JP', type: 'MOBILE' });
  });

  it('reports the country and type of other numbers', () => {
    expect(parsed('03-1234-5678', 'JP')).toEqual({ ok: true, e164: '+81312345678', country: 'JP', type: 'FIXED_LINE' });
    expect(parsed('+1 202 555 0123')).toMatchObject({ country: 'US', type: 'FIXED_LINE_OR_MOBILE' });
  });

  it.each([
    ['', 'JP'],
    ['abc', 'JP'],
    ['090-1234-567', 'JP'],
    ['090-1234-56789', 'JP'],
    ['090-1234-5678', undefined],
    ['090-1234-5678', 'XX'],
    ['Call 090-1234-5678', 'JP'],
    ['090-1234-5678 ext. 12', 'JP'],
    ['090-1234-5678;ext=12', 'JP'],
    ['+81 90 1234 5678 1234 5678 1234 5678', undefined],
    ['++819012345678', undefined],
    ['+0 123 4567', undefined],
    ['tel:+819012345678', undefined],
  ])('refuses %p (default country %p) as INVALID', (input, defaultCountry) => {
    expect(parsePhoneNumber(input, defaultCountry)).toEqual({ ok: false, reason: 'INVALID' });
  });

  it('never throws on arbitrary input', () => {
    const countries = fc.constantFrom('JP', 'US', 'GB', 'ZZ', '');
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.option(countries, { nil: undefined }), (input, country) => {
        expect(typeof parsePhoneNumber(input, country).ok).toBe('boolean');
      }),
    );
  });
});

describe('checkPhoneRules', () => {
  it.each(['090-1234-5678', '080-1234-5678', '070-1234-5678'])('accepts the Japanese mobile %p', (input) => {
    expect(checkPhoneRules(parsed(input, 'JP'), JP_ONLY)).toEqual({ ok: true });
  });

  it.each([
    ['a Tokyo landline', '03-1234-5678'],
    ['an 050 VoIP number', '050-1234-5678'],
    ['a 0990 premium-rate number', '0990-123-456'],
    ['a 0120 toll-free number', '0120-123-456'],
    ['a 0570 navi-dial (UAN) number', '0570-123-456'],
    ['a 020 pager number', '020-1234-5678'],
  ])('refuses %s when mobileOnly', (_case, input) => {
    expect(checkPhoneRules(parsed(input, 'JP'), JP_ONLY)).toEqual({ ok: false, reason: 'NUMBER_TYPE' });
  });

  it('accepts a number that may be mobile (US numbers do not tell)', () => {
    expect(checkPhoneRules(parsed('+1 202 555 0123'), { ...JP_ONLY, allowedCountries: ['US'] })).toEqual({ ok: true });
  });

  describe('without mobileOnly', () => {
    const anyType: PhoneRules = { ...JP_ONLY, mobileOnly: false };

    it.each(['03-1234-5678', '050-1234-5678', '0570-123-456', '090-1234-5678'])('accepts %p', (input) => {
      expect(checkPhoneRules(parsed(input, 'JP'), anyType)).toEqual({ ok: true });
    });

    it.each([
      ['premium-rate', '0990-123-456', 'JP'],
      ['toll-free', '0120-123-456', 'JP'],
      ['US premium-rate', '+1 900 555 0123', undefined],
      ['UK premium-rate', '+44 909 876 5432', undefined],
    ])('still refuses a %s number', (_case, input, country) => {
      expect(checkPhoneRules(parsed(input, country), { ...anyType, allowedCountries: [] })).toEqual({ ok: false, reason: 'NUMBER_TYPE' });
    });
  });

  it('refuses a country outside the allowed list, and allows all when the list is empty', () => {
    const us = parsed('+1 202 555 0123');
    expect(checkPhoneRules(us, JP_ONLY)).toEqual({ ok: false, reason: 'COUNTRY' });
    expect(checkPhoneRules(us, { ...JP_ONLY, allowedCountries: [] })).toEqual({ ok: true });
    expect(checkPhoneRules(parsed('090-1234-5678', 'JP'), { ...JP_ONLY, allowedCountries: ['us', 'jp'] })).toEqual({ ok: true });
  });

  it('refuses a number under a blocked prefix, however the prefix is written', () => {
    const mobile = parsed('090-1234-5678', 'JP');
    for (const prefix of ['+8190', '8190', '+81 90', '+81901234']) {
      expect(checkPhoneRules(mobile, { ...JP_ONLY, blockedPrefixes: ['+44', prefix] })).toEqual({ ok: false, reason: 'BLOCKED_PREFIX' });
    }
    expect(checkPhoneRules(mobile, { ...JP_ONLY, blockedPrefixes: ['+8180', '+44'] })).toEqual({ ok: true });
  });

  it('checks the country before the prefix and the prefix before the type', () => {
    const landline = parsed('03-1234-5678', 'JP');
    const rules: PhoneRules = { allowedCountries: ['US'], blockedPrefixes: ['+813'], mobileOnly: true };
    expect(checkPhoneRules(landline, rules)).toEqual({ ok: false, reason: 'COUNTRY' });
    expect(checkPhoneRules(landline, { ...rules, allowedCountries: ['JP'] })).toEqual({ ok: false, reason: 'BLOCKED_PREFIX' });
  });
});

describe('maskPhoneNumber', () => {
  it.each([
    ['+819012345678', '+81 90-****-5678'],
    ['+818012345678', '+81 80-****-5678'],
    ['+81312345678', '+81 3-****-5678'],
    ['+12025550123', '+1 20*-***-0123'],
    ['+447400123456', '+44 74**-**3456'],
    ['+33612345678', '+33 6-**-**-56-78'],
    ['+6581234567', '+65 ****-4567'],
  ])('masks %s as %s', (e164, masked) => {
    expect(maskPhoneNumber(e164)).toBe(masked);
  });

  it('never shows more than the first 2 and last 4 national digits, and hides at least 4', () => {
    fc.assert(
      fc.property(fc.constantFrom('90', '80', '70'), fc.stringMatching(/^[0-9]{8}$/), (head, rest) => {
        const e164 = `+81${head}${rest}`;
        const masked = maskPhoneNumber(e164);
        const national = masked.slice('+81 '.length).replace(/-/g, '');
        expect(national).toHaveLength(10);
        expect(national.slice(0, 2)).toBe(head);
        expect(national.slice(-4)).toBe(rest.slice(-4));
        expect(national.slice(2, -4)).toBe('****');
      }),
    );
  });

  it('refuses what is not E.164', () => {
    expect(() => maskPhoneNumber('090-1234-5678')).toThrow(RangeError);
    expect(() => maskPhoneNumber('')).toThrow(RangeError);
  });
});

describe('toNationalDigits', () => {
  it.each([
    ['+819012345678', '09012345678'],
    ['+81312345678', '0312345678'],
    ['+12025550123', '2025550123'],
    ['+447400123456', '07400123456'],
  ])('turns %s into %s', (e164, national) => {
    expect(toNationalDigits(e164)).toBe(national);
  });

  it('refuses what is not E.164', () => {
    expect(() => toNationalDigits('not a number')).toThrow(RangeError);
  });
});
