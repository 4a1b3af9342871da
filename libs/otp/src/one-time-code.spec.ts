import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import { generateCode, isCodeFormat, normalizeCodeInput } from './one-time-code';

/** mulberry32: a small seeded generator, so the distribution test sees the same digits every run. */
function seededRandomInt(seed: number): (maxExclusive: number) => number {
  let state = seed >>> 0;
  return (maxExclusive) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return Math.floor(unit * maxExclusive);
  };
}

describe('generateCode', () => {
  const tenDigits = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 10, maxLength: 10 });

  it('returns exactly `length` digits, one draw of randomInt(10) per digit, in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 6, max: 10 }), tenDigits, (length, digits) => {
        const bounds: number[] = [];
        let next = 0;
        const code = generateCode(length, (max) => {
          bounds.push(max);
          return digits[next++];
        });
        expect(code).toMatch(/^[0-9]+$/);
        expect(code).toHaveLength(length);
        expect(code).toBe(digits.slice(0, length).join(''));
        expect(bounds).toEqual(Array(length).fill(10));
      }),
    );
  });

  it('keeps leading zeros', () => {
    expect(generateCode(6, () => 0)).toBe('000000');
  });

  it('works with crypto.randomInt, the production source', () => {
    for (let i = 0; i < 500; i++) {
      expect(generateCode(8, randomInt)).toMatch(/^[0-9]{8}$/);
    }
  });

  it.each([5, 11, 0, -6, 6.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses length %p with a RangeError', (length) => {
    expect(() => generateCode(length, () => 1)).toThrow(RangeError);
  });

  it.each([10, -1, 2.5, Number.NaN])('refuses a random source that returns %p', (value) => {
    expect(() => generateCode(6, () => value)).toThrow(RangeError);
  });

  it('draws every digit in every position about equally often (chi-squared, seeded)', () => {
    const randomIntFromSeed = seededRandomInt(20240601);
    const length = 6;
    const codes = 20000;
    const counts = Array.from({ length }, () => Array<number>(10).fill(0));
    for (let i = 0; i < codes; i++) {
      const code = generateCode(length, randomIntFromSeed);
      for (let p = 0; p < length; p++) counts[p][Number(code[p])]++;
    }
    const expected = codes / 10;
    for (const positionCounts of counts) {
      const chiSquared = positionCounts.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
      // 27.88 is the 0.999 quantile of chi-squared with 9 degrees of freedom.
      expect(chiSquared).toBeLessThan(27.88);
    }
  });
});

describe('isCodeFormat', () => {
  it.each(['123456', '0000000000', '9876543'])('accepts %p', (code) => {
    expect(isCodeFormat(code)).toBe(true);
  });

  it.each(['12345', '12345678901', '12345a', ' 123456', '１２３４５６', '', '123 456'])('refuses %p', (code) => {
    expect(isCodeFormat(code)).toBe(false);
  });
});

describe('normalizeCodeInput', () => {
  it('turns full-width digits to ASCII and drops grouping spaces and dashes', () => {
    expect(normalizeCodeInput('１２３　４５６')).toBe('123456');
    expect(normalizeCodeInput(' 123-456 ')).toBe('123456');
    expect(normalizeCodeInput('123ー456')).toBe('123456');
  });

  it('leaves other characters so the code is refused', () => {
    expect(isCodeFormat(normalizeCodeInput('12345x'))).toBe(false);
  });
});
