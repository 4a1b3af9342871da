import { parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';

/** libphonenumber's number types, plus UNKNOWN for a number whose type it cannot tell. */
export type PhoneNumberType =
  | 'MOBILE'
  | 'FIXED_LINE'
  | 'FIXED_LINE_OR_MOBILE'
  | 'PREMIUM_RATE'
  | 'TOLL_FREE'
  | 'SHARED_COST'
  | 'VOIP'
  | 'PERSONAL_NUMBER'
  | 'PAGER'
  | 'UAN'
  | 'VOICEMAIL'
  | 'UNKNOWN';

export interface ParsedPhoneNumber {
  readonly ok: true;
  readonly e164: string;
  /** ISO 3166-1 alpha-2, or null for a non-geographic number (+800, +882, ...). */
  readonly country: string | null;
  readonly type: PhoneNumberType;
}

export type PhoneNumberParseResult = ParsedPhoneNumber | { readonly ok: false; readonly reason: 'INVALID' };

export interface PhoneRules {
  /** ISO 3166-1 alpha-2 codes; empty allows every country. */
  readonly allowedCountries: readonly string[];
  /** E.164 prefixes such as "+8150"; only the digits count. */
  readonly blockedPrefixes: readonly string[];
  readonly mobileOnly: boolean;
}

export type PhoneRuleResult = { readonly ok: true } | { readonly ok: false; readonly reason: 'COUNTRY' | 'NUMBER_TYPE' | 'BLOCKED_PREFIX' };

const MAX_INPUT_LENGTH = 32;
/** Dashes people type between digit groups, including what a Japanese IME produces for "-". */
const DASHES = /[\u2010-\u2015\u2212\u30fc\ufe63]/g;
/** Digits with the separators people type, and one leading plus: no letters, no "ext.", no prose. */
const TYPED_NUMBER = /^\+?[0-9 ().-]+$/;

const SMS_CAPABLE_TYPES: ReadonlySet<PhoneNumberType> = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);
/** Refused even when landlines are allowed: they cannot take an SMS and are what SMS pumping targets. */
const NEVER_SMS_TYPES: ReadonlySet<PhoneNumberType> = new Set(['PREMIUM_RATE', 'SHARED_COST', 'TOLL_FREE']);

const INVALID = { ok: false, reason: 'INVALID' } as const;

/**
 * Parses a number as users type it (`+81 90-1234-5678`, `090-1234-5678` with default country JP,
 * full-width digits) into E.164 with its country and type. Only a valid number, without extension,
 * is accepted.
 */
export function parsePhoneNumber(input: string, defaultCountry?: string): PhoneNumberParseResult {
  return parsedNumbers.get(`${defaultCountry?.toUpperCase() ?? ''} ${input}`);
}

/**
 * The results of a costly pure function of a string, for the strings seen last: a request reads the
 * same number several times (its rules, its country for routing, its masked form for the audit log).
 */
class Remembered<R> {
  private readonly results = new Map<string, R>();

  constructor(
    private readonly compute: (key: string) => R,
    private readonly capacity = 1024,
  ) {}

  get(key: string): R {
    let result = this.results.get(key);
    if (result === undefined) this.remember(key, (result = this.compute(key)));
    return result;
  }

  remember(key: string, result: R): void {
    if (this.results.size >= this.capacity) this.results.delete(this.results.keys().next().value as string);
    this.results.set(key, result);
  }
}

/** `parsePhoneNumber` of "<default country> <input>". */
const parsedNumbers = new Remembered((key) => {
  const space = key.indexOf(' ');
  return parseTyped(key.slice(space + 1), key.slice(0, space) || undefined);
});

/** libphonenumber's reading of an E.164 number: what formatting starts from. */
const e164Numbers = new Remembered((e164): PhoneNumber => {
  const parsed = /^\+[1-9][0-9]{6,14}$/.test(e164) ? parsePhoneNumberFromString(e164) : undefined;
  if (!parsed) throw new RangeError('not an E.164 phone number');
  return parsed;
});

function parseTyped(input: string, country: string | undefined): PhoneNumberParseResult {
  const typed = input.normalize('NFKC').replace(DASHES, '-').trim();
  if (typed.length > MAX_INPUT_LENGTH || !TYPED_NUMBER.test(typed)) return INVALID;
  const parsed = parsePhoneNumberFromString(typed, country as CountryCode | undefined);
  if (!parsed || !parsed.isValid() || parsed.ext) return INVALID;
  const result: ParsedPhoneNumber = { ok: true, e164: parsed.number, country: parsed.country ?? null, type: parsed.getType() ?? 'UNKNOWN' };
  // The same number read again from its E.164 form (routing, masking) need not be parsed again.
  parsedNumbers.remember(` ${result.e164}`, result);
  e164Numbers.remember(result.e164, parsed);
  return result;
}

function digitsOf(value: string): string {
  return value.replace(/\D/g, '');
}

/** Whether a parsed number may receive codes under a tenant's rules (country, then blocked prefix, then type). */
export function checkPhoneRules(parsed: ParsedPhoneNumber, rules: PhoneRules): PhoneRuleResult {
  const allowed = rules.allowedCountries.map((c) => c.toUpperCase());
  if (allowed.length > 0 && (parsed.country === null || !allowed.includes(parsed.country))) {
    return { ok: false, reason: 'COUNTRY' };
  }
  const number = digitsOf(parsed.e164);
  if (rules.blockedPrefixes.some((prefix) => number.startsWith(digitsOf(prefix)))) {
    return { ok: false, reason: 'BLOCKED_PREFIX' };
  }
  const refused = rules.mobileOnly ? !SMS_CAPABLE_TYPES.has(parsed.type) : NEVER_SMS_TYPES.has(parsed.type);
  return refused ? { ok: false, reason: 'NUMBER_TYPE' } : { ok: true };
}

/**
 * The number in international format with the middle digits starred, for showing which phone a
 * code went to: `+81 90-****-5678`. At most the first 2 and last 4 national digits show, and at
 * least 4 digits stay hidden, so short numbers reveal less.
 */
export function maskPhoneNumber(e164: string): string {
  return maskedNumbers.get(e164);
}

const maskedNumbers = new Remembered((e164) => {
  const parsed = e164Numbers.get(e164);
  const national = parsed.nationalNumber;
  const international = parsed.formatInternational();
  const grouped = international.slice(`+${parsed.countryCallingCode}`.length).trim().split(/[\s-]+/);
  // An unformattable number comes back ungrouped; mask it as one group.
  const groups = grouped.join('') === national ? grouped : [national];
  const shownTail = Math.min(4, Math.max(0, national.length - 4));
  const shownHead = Math.min(2, Math.max(0, national.length - 4 - shownTail));
  const starred = national.slice(0, shownHead) + '*'.repeat(national.length - shownHead - shownTail) + national.slice(national.length - shownTail);
  let start = 0;
  const masked = groups.map((group) => starred.slice(start, (start += group.length)));
  return `+${parsed.countryCallingCode} ${masked.join('-')}`;
});

/** The country calling code of an E.164 number (`+44`, `+1`, `+881`). */
export function callingCodeOf(e164: string): string {
  return `+${e164Numbers.get(e164).countryCallingCode}`;
}

/** The number as dialled inside its country, digits only (`09012345678`), for domestic SMS providers. */
export function toNationalDigits(e164: string): string {
  return digitsOf(e164Numbers.get(e164).formatNational());
}
