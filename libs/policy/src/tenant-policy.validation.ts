import { isSupportedCountry } from 'libphonenumber-js/max';
import { AAL_VALUES, type LimitsPolicy, type OtpPolicy, type PolicyProblem, type SessionPolicy, type TenantPolicy } from './tenant-policy';
import { BUILT_IN_ACTIONS, CHANGE_PHONE_ACTION, HIGH_RISK_CALLING_CODES } from './tenant-policy.defaults';

export interface PolicyValidationOptions {
  /**
   * A further check of one template (the otp lib's: it fits one SMS segment), called for each
   * template that passed the checks here; a non-null answer is reported at its `text`.
   */
  readonly checkTemplate?: (text: string, locale: string) => string | null;
}

interface Bounds {
  readonly min: number;
  readonly max: number;
}

const MAX_ACTIONS = 200;
/** What an action may be called, in a policy and when asked about. */
export const ACTION_NAME_PATTERN = /^[a-z][a-z0-9_.:-]{0,99}$/;
const MAX_AGE_SECONDS: Bounds = { min: 1, max: 2_592_000 };

/** NIST SP 800-63B 5.1.3.2 and SECURITY.md 1-5. */
const OTP_BOUNDS: Record<keyof OtpPolicy, Bounds> = {
  length: { min: 6, max: 10 },
  ttlSeconds: { min: 60, max: 600 },
  maxAttempts: { min: 1, max: 10 },
  resendCooldownSeconds: { min: 0, max: 3600 },
  maxSendsPerChallenge: { min: 1, max: 10 },
};

const MAX_LIST_ENTRIES = 100;
const COUNTRY_CODE_PATTERN = /^[A-Z]{2}$/;
const E164_PREFIX_PATTERN = /^\+[1-9][0-9]{0,14}$/;
const E164_PREFIX_MESSAGE = 'must be an E.164 prefix: + then up to 15 digits, not starting with 0';
const PHONE_FLAGS = ['mobileOnly', 'uniquePerTenant', 'requiredAtSignUp'] as const;

/** Counters must count something; the maxima only keep a typo from switching a limit off. */
const LIMIT_BOUNDS: Record<keyof LimitsPolicy, Bounds> = {
  sendsPerPhonePerHour: { min: 1, max: 100 },
  sendsPerPhonePerDay: { min: 1, max: 1000 },
  sendsPerUserPerHour: { min: 1, max: 100 },
  sendsPerIpPerHour: { min: 1, max: 10_000 },
  sendsPerTenantPerHour: { min: 1, max: 1_000_000 },
  sendsPerTenantPerDay: { min: 1, max: 10_000_000 },
  prefixBurstMinimum: { min: 1, max: 100_000 },
  // A factor below 2 would hold a prefix whose traffic merely wobbles around its usual level.
  prefixBurstFactor: { min: 2, max: 1000 },
  // NIST SP 800-63B 5.2.2: at most 100 consecutive failed attempts.
  verifyFailuresPerUserPerHour: { min: 1, max: 100 },
  loginFailuresPerAccount: { min: 1, max: 100 },
  loginFailuresPerIpPerHour: { min: 1, max: 100_000 },
};

/** SECURITY.md 17: AAL1 at most 30 days, AAL2 at most 24 h absolute and 1 h idle. */
const SESSION_BOUNDS: Record<keyof SessionPolicy, Bounds> = {
  aal1MaxSeconds: { min: 60, max: 2_592_000 },
  aal1IdleSeconds: { min: 60, max: 2_592_000 },
  aal2MaxSeconds: { min: 60, max: 86_400 },
  aal2IdleSeconds: { min: 60, max: 3600 },
};

/** NIST SP 800-63B rev 4 (SECURITY.md 13): 15 when a password alone signs in, 8 with AAL2 login. */
const PASSWORD_MIN_LENGTH_AAL1_LOGIN = 15;
const PASSWORD_MIN_LENGTH_AAL2_LOGIN = 8;
const PASSWORD_MIN_LENGTH_MAX = 64;

const APP_NAME_MAX_CHARS = 30;
const LOCALE_PATTERN = /^[a-z]{2}(-[A-Z]{2})?$/;
const MAX_TEMPLATES = 100;
const TEMPLATE_MAX_CHARS = 300;
const TEMPLATE_PLACEHOLDERS = ['{code}', '{minutes}', '{app}'];
const CONTROL_CHARACTER = /\p{Cc}/u;
const HOST_LABEL_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const HOST_NAME_MAX_LENGTH = 253;

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntegerIn(value: unknown, { min, max }: Bounds): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** Length in code points, as a person counts characters (not UTF-16 units). */
function charCount(text: string): number {
  return Array.from(text).length;
}

function isE164Prefix(value: unknown): value is string {
  return typeof value === 'string' && E164_PREFIX_PATTERN.test(value);
}

function isHostName(value: string): boolean {
  return value.length <= HOST_NAME_MAX_LENGTH && value.split('.').every((label) => HOST_LABEL_PATTERN.test(label));
}

/** Collects problems; messages never quote the offending value, which may be huge or hostile. */
class ProblemList {
  readonly problems: PolicyProblem[] = [];

  add(field: string, message: string): void {
    this.problems.push({ field, message });
  }

  /** The section's fields, or undefined (reported) when it is not an object. */
  section(document: Fields, name: string): Fields | undefined {
    const value = document[name];
    if (isRecord(value)) return value;
    this.add(name, 'must be an object');
    return undefined;
  }

  /** The list, or undefined (reported) when it is not one; a list too long is reported but returned. */
  list(field: string, value: unknown, maxEntries: number): unknown[] | undefined {
    if (!Array.isArray(value)) {
      this.add(field, 'must be a list');
      return undefined;
    }
    if (value.length > maxEntries) this.add(field, `must have at most ${maxEntries} entries`);
    return value;
  }

  integer(field: string, value: unknown, bounds: Bounds): void {
    if (!isIntegerIn(value, bounds)) this.add(field, `must be an integer from ${bounds.min} to ${bounds.max}`);
  }

  boolean(field: string, value: unknown): void {
    if (typeof value !== 'boolean') this.add(field, 'must be true or false');
  }

  aal(field: string, value: unknown): void {
    if (!(AAL_VALUES as readonly unknown[]).includes(value)) this.add(field, `must be one of ${AAL_VALUES.join(', ')}`);
  }

  /** Each field of a table of bounds, as an integer within its bounds. */
  bounded(section: Fields, path: string, bounds: Readonly<Record<string, Bounds>>): void {
    for (const [key, keyBounds] of Object.entries(bounds)) {
      this.integer(`${path}.${key}`, section[key], keyBounds);
    }
  }
}

function validateActions(out: ProblemList, value: unknown): void {
  const actions = out.list('actions', value, MAX_ACTIONS);
  if (actions === undefined) return;
  const firstIndexOf = new Map<string, number>();
  actions.forEach((entry, i) => {
    const path = `actions[${i}]`;
    if (!isRecord(entry)) {
      out.add(path, 'must be an object');
      return;
    }
    const name = entry['action'];
    if (typeof name !== 'string' || !ACTION_NAME_PATTERN.test(name)) {
      out.add(`${path}.action`, `must match ${ACTION_NAME_PATTERN.source}`);
    } else if (firstIndexOf.has(name)) {
      out.add(`${path}.action`, `repeats actions[${firstIndexOf.get(name)}].action`);
    } else {
      firstIndexOf.set(name, i);
    }
    out.aal(`${path}.aal`, entry['aal']);
    if (name === CHANGE_PHONE_ACTION && entry['aal'] !== 'AAL2') {
      out.add(`${path}.aal`, `${CHANGE_PHONE_ACTION} always needs AAL2`);
    }
    const maxAge = entry['maxAgeSeconds'];
    if (maxAge !== null && !isIntegerIn(maxAge, MAX_AGE_SECONDS)) {
      out.add(`${path}.maxAgeSeconds`, `must be null or an integer from ${MAX_AGE_SECONDS.min} to ${MAX_AGE_SECONDS.max}`);
    }
  });
  for (const builtIn of BUILT_IN_ACTIONS) {
    if (!firstIndexOf.has(builtIn.action)) out.add('actions', `must include the built-in action ${builtIn.action}`);
  }
}

function validatePhone(out: ProblemList, phone: Fields): void {
  const countries = out.list('phone.allowedCountries', phone['allowedCountries'], MAX_LIST_ENTRIES);
  countries?.forEach((country, i) => {
    const field = `phone.allowedCountries[${i}]`;
    if (typeof country !== 'string' || !COUNTRY_CODE_PATTERN.test(country)) {
      out.add(field, 'must be an ISO 3166 alpha-2 code in upper case, such as JP');
    } else if (!isSupportedCountry(country)) {
      out.add(field, 'is not a country with phone numbers');
    }
  });
  const prefixes = out.list('phone.blockedPrefixes', phone['blockedPrefixes'], MAX_LIST_ENTRIES);
  prefixes?.forEach((prefix, i) => {
    if (!isE164Prefix(prefix)) out.add(`phone.blockedPrefixes[${i}]`, E164_PREFIX_MESSAGE);
  });
  const highRisk = out.list('phone.allowedHighRiskPrefixes', phone['allowedHighRiskPrefixes'], MAX_LIST_ENTRIES);
  highRisk?.forEach((prefix, i) => {
    const field = `phone.allowedHighRiskPrefixes[${i}]`;
    if (!isE164Prefix(prefix)) {
      out.add(field, E164_PREFIX_MESSAGE);
    } else if (!HIGH_RISK_CALLING_CODES.some((code) => prefix.startsWith(code))) {
      // Anything else is allowed already; listing it would suggest an effect it cannot have.
      out.add(field, `must lie under one of the high-risk calling codes ${HIGH_RISK_CALLING_CODES.join(', ')}`);
    }
  });
  for (const flag of PHONE_FLAGS) out.boolean(`phone.${flag}`, phone[flag]);
}

function validateSession(out: ProblemList, session: Fields): void {
  out.bounded(session, 'session', SESSION_BOUNDS);
  const { aal1MaxSeconds, aal1IdleSeconds, aal2MaxSeconds, aal2IdleSeconds } = session;
  // Only compared when both are in range; an out-of-range value is already reported.
  const inRange = (key: keyof SessionPolicy, value: unknown): value is number => isIntegerIn(value, SESSION_BOUNDS[key]);
  if (inRange('aal1IdleSeconds', aal1IdleSeconds) && inRange('aal1MaxSeconds', aal1MaxSeconds) && aal1IdleSeconds > aal1MaxSeconds) {
    out.add('session.aal1IdleSeconds', 'must not exceed session.aal1MaxSeconds');
  }
  if (inRange('aal2IdleSeconds', aal2IdleSeconds) && inRange('aal2MaxSeconds', aal2MaxSeconds) && aal2IdleSeconds > aal2MaxSeconds) {
    out.add('session.aal2IdleSeconds', 'must not exceed session.aal2MaxSeconds');
  }
}

function validatePassword(out: ProblemList, password: Fields, loginRequiresAal: unknown): void {
  // An invalid loginRequiresAal (reported on its own) is taken as AAL1, the stricter case here.
  const aal2Login = loginRequiresAal === 'AAL2';
  const min = aal2Login ? PASSWORD_MIN_LENGTH_AAL2_LOGIN : PASSWORD_MIN_LENGTH_AAL1_LOGIN;
  const minLength = password['minLength'];
  if (!isIntegerIn(minLength, { min: 0, max: PASSWORD_MIN_LENGTH_MAX })) {
    out.add('password.minLength', `must be an integer from ${min} to ${PASSWORD_MIN_LENGTH_MAX}`);
  } else if (minLength < min) {
    out.add(
      'password.minLength',
      aal2Login
        ? `must be at least ${PASSWORD_MIN_LENGTH_AAL2_LOGIN}`
        : `must be at least ${PASSWORD_MIN_LENGTH_AAL1_LOGIN} while a password alone signs in (${PASSWORD_MIN_LENGTH_AAL2_LOGIN} is allowed when loginRequiresAal is AAL2)`,
    );
  }
}

/** Why a template text cannot be used, or null; the otp lib's further check comes after this. */
function templateTextProblem(text: string): string | null {
  if (charCount(text) > TEMPLATE_MAX_CHARS) return `must be at most ${TEMPLATE_MAX_CHARS} characters`;
  if (!text.includes('{code}')) return 'must contain {code}';
  const withoutPlaceholders = TEMPLATE_PLACEHOLDERS.reduce((rest, placeholder) => rest.split(placeholder).join(''), text);
  if (/[{}]/.test(withoutPlaceholders)) {
    return `may use only the placeholders ${TEMPLATE_PLACEHOLDERS.join(', ')} and no other braces`;
  }
  return null;
}

function validateTemplates(out: ProblemList, value: unknown, options: PolicyValidationOptions): void {
  const templates = out.list('messages.templates', value, MAX_TEMPLATES);
  const firstIndexOf = new Map<string, number>();
  templates?.forEach((template, i) => {
    const path = `messages.templates[${i}]`;
    if (!isRecord(template)) {
      out.add(path, 'must be an object');
      return;
    }
    const { locale, text } = template;
    const localeOk = typeof locale === 'string' && LOCALE_PATTERN.test(locale);
    if (!localeOk) {
      out.add(`${path}.locale`, 'must be a language code such as ja or en-US');
    } else if (firstIndexOf.has(locale)) {
      out.add(`${path}.locale`, `repeats messages.templates[${firstIndexOf.get(locale)}].locale`);
    } else {
      firstIndexOf.set(locale, i);
    }
    if (typeof text !== 'string') {
      out.add(`${path}.text`, 'must be a text');
      return;
    }
    const problem = templateTextProblem(text) ?? (localeOk && options.checkTemplate ? options.checkTemplate(text, locale) : null);
    if (problem !== null) out.add(`${path}.text`, problem);
  });
}

function validateMessages(out: ProblemList, messages: Fields, options: PolicyValidationOptions): void {
  const { appName, defaultLocale, webOtpDomain } = messages;
  if (typeof appName !== 'string' || appName.trim() === '' || charCount(appName) > APP_NAME_MAX_CHARS) {
    out.add('messages.appName', `must be 1 to ${APP_NAME_MAX_CHARS} characters, not only spaces`);
  } else if (CONTROL_CHARACTER.test(appName)) {
    out.add('messages.appName', 'must not contain control characters such as line breaks');
  }
  if (typeof defaultLocale !== 'string' || !LOCALE_PATTERN.test(defaultLocale)) {
    out.add('messages.defaultLocale', 'must be a language code such as ja or en-US');
  }
  validateTemplates(out, messages['templates'], options);
  if (webOtpDomain !== null && (typeof webOtpDomain !== 'string' || !isHostName(webOtpDomain))) {
    out.add('messages.webOtpDomain', 'must be null or a host name such as example.com');
  }
}

/**
 * Every problem with a policy document, each at its field path; an empty list means it may be
 * stored. Never throws, whatever the document holds (it is checked as untrusted data).
 */
export function validateTenantPolicy(policy: TenantPolicy, options: PolicyValidationOptions = {}): PolicyProblem[] {
  const out = new ProblemList();
  const document: Fields = isRecord(policy) ? policy : {};
  validateActions(out, document['actions']);
  out.aal('defaultAal', document['defaultAal']);
  out.aal('loginRequiresAal', document['loginRequiresAal']);
  const otp = out.section(document, 'otp');
  if (otp) out.bounded(otp, 'otp', OTP_BOUNDS);
  const phone = out.section(document, 'phone');
  if (phone) validatePhone(out, phone);
  const limits = out.section(document, 'limits');
  if (limits) out.bounded(limits, 'limits', LIMIT_BOUNDS);
  const session = out.section(document, 'session');
  if (session) validateSession(out, session);
  const password = out.section(document, 'password');
  if (password) validatePassword(out, password, document['loginRequiresAal']);
  const messages = out.section(document, 'messages');
  if (messages) validateMessages(out, messages, options);
  return out.problems;
}
