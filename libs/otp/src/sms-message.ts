import { isCodeFormat, MAX_CODE_LENGTH } from './one-time-code';
import { countSegments, type SmsEncoding } from './sms-segments';

/** A message text for one locale, with `{code}`, `{minutes}` and `{app}` placeholders. */
export interface SmsTemplate {
  readonly locale: string;
  readonly text: string;
}

export interface RenderedSms {
  readonly text: string;
  /** The locale of the template actually used, after fallback. */
  readonly locale: string;
  readonly encoding: SmsEncoding;
  readonly segments: number;
}

export const SMS_PLACEHOLDERS = ['code', 'minutes', 'app'] as const;
type Placeholder = (typeof SMS_PLACEHOLDERS)[number];

/** Kept to one segment in their worst case with app names of everyday length (see the spec). */
export const BUILT_IN_SMS_TEMPLATES: readonly SmsTemplate[] = [
  { locale: 'ja', text: '【{app}】認証コード: {code}（{minutes}分間有効）' },
  { locale: 'en', text: '{app}: your verification code is {code}. Valid for {minutes} min.' },
];

/** Sent to the old number when a user changes phone: no code and no new number (the old one may be reassigned). */
export const BUILT_IN_PHONE_CHANGE_NOTICES: readonly SmsTemplate[] = [
  { locale: 'ja', text: '【{app}】登録電話番号が変更されました。心当たりがない場合はお問い合わせください。' },
  { locale: 'en', text: '{app}: the phone number on your account was changed. If this was not you, contact us now.' },
];

/** Used when neither the requested nor the default locale has a template. */
const LAST_RESORT_LOCALE = 'ja';
/** The largest {minutes}: ttlSeconds is at most 600. */
const WORST_CASE_MINUTES = 10;

const LOCALE_PATTERN = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i;
const HOST_LABEL_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** A host name as WebOTP's `@<domain>` line takes it: no scheme, port, path or whitespace. */
export function isWebOtpDomain(domain: string): boolean {
  return domain.length <= 253 && domain.split('.').every((label) => HOST_LABEL_PATTERN.test(label));
}

function findTemplate(templates: readonly SmsTemplate[], locale: string): SmsTemplate | undefined {
  const wanted = locale.toLowerCase();
  const language = wanted.split('-')[0];
  return (
    templates.find((t) => t.locale.toLowerCase() === wanted) ??
    templates.find((t) => t.locale.toLowerCase() === language)
  );
}

/** Tenant template for the locale, else the built-in one, then the same for the default locale. */
function pickTemplate(
  tenantTemplates: readonly SmsTemplate[],
  builtIns: readonly SmsTemplate[],
  locale: string | null | undefined,
  defaultLocale: string,
): SmsTemplate {
  const locales = locale ? [locale, defaultLocale] : [defaultLocale];
  for (const candidate of locales) {
    const found = findTemplate(tenantTemplates, candidate) ?? findTemplate(builtIns, candidate);
    if (found) return found;
  }
  const lastResort = findTemplate(builtIns, LAST_RESORT_LOCALE);
  if (!lastResort) throw new Error(`no built-in template for ${LAST_RESORT_LOCALE}`);
  return lastResort;
}

/** One pass, so an app name that itself contains "{code}" is not expanded. */
function fillPlaceholders(text: string, values: Record<Placeholder, string>): string {
  return text.replace(/\{(code|minutes|app)\}/g, (_match, name: Placeholder) => values[name]);
}

function withWebOtpLine(body: string, code: string, webOtpDomain: string | null): string {
  // WebOTP (and iOS autofill) read the origin-bound code from the message's last line.
  return webOtpDomain === null ? body : `${body.trimEnd()}\n@${webOtpDomain} #${code}`;
}

function rendered(text: string, locale: string): RenderedSms {
  const { encoding, segments } = countSegments(text);
  return { text, locale, encoding, segments };
}

export interface SmsMessageInput {
  /** The tenant's templates; they override the built-in ones locale by locale. */
  readonly templates: readonly SmsTemplate[];
  readonly locale?: string | null;
  readonly defaultLocale: string;
  readonly appName: string;
  readonly code: string;
  readonly ttlSeconds: number;
  readonly webOtpDomain: string | null;
}

/** The text of a one-time-code SMS; with a WebOTP domain its last line is exactly `@<domain> #<code>`. */
export function renderSmsMessage(input: SmsMessageInput): RenderedSms {
  if (!isCodeFormat(input.code)) {
    throw new RangeError('an SMS code must be 6 to 10 digits');
  }
  if (input.webOtpDomain !== null && !isWebOtpDomain(input.webOtpDomain)) {
    throw new RangeError(`webOtpDomain ${JSON.stringify(input.webOtpDomain)} is not a host name`);
  }
  const template = pickTemplate(input.templates, BUILT_IN_SMS_TEMPLATES, input.locale, input.defaultLocale);
  const body = fillPlaceholders(template.text, {
    code: input.code,
    minutes: String(Math.ceil(input.ttlSeconds / 60)),
    app: input.appName,
  });
  return rendered(withWebOtpLine(body, input.code, input.webOtpDomain), template.locale);
}

export interface PhoneChangeNoticeInput {
  readonly locale?: string | null;
  readonly defaultLocale: string;
  readonly appName: string;
}

/** The notice sent to the previous number when a user's phone number changes (NIST 800-63B rev 4 3.1.3.3). */
export function renderPhoneChangeNotice(input: PhoneChangeNoticeInput): RenderedSms {
  const template = pickTemplate([], BUILT_IN_PHONE_CHANGE_NOTICES, input.locale, input.defaultLocale);
  return rendered(fillPlaceholders(template.text, { code: '', minutes: '', app: input.appName }), template.locale);
}

export interface TemplateCheckInput {
  readonly text: string;
  readonly locale: string;
  readonly appName: string;
  readonly webOtpDomain: string | null;
}

/**
 * Why a template cannot be used, or null when it can: it must be for a language tag, contain
 * {code}, use only known placeholders, and fit one segment in its worst case (a 10-digit code,
 * 2-digit minutes, this app name and the WebOTP line when a domain is set).
 */
export function checkTemplate(input: TemplateCheckInput): string | null {
  if (!LOCALE_PATTERN.test(input.locale)) {
    return `locale ${JSON.stringify(input.locale)} is not a language tag such as "ja" or "en-US"`;
  }
  if (input.webOtpDomain !== null && !isWebOtpDomain(input.webOtpDomain)) {
    return `webOtpDomain ${JSON.stringify(input.webOtpDomain)} is not a host name`;
  }
  for (const [, name] of input.text.matchAll(/\{([^{}]*)\}/g)) {
    if (!(SMS_PLACEHOLDERS as readonly string[]).includes(name)) {
      return `the ${input.locale} template uses the unknown placeholder {${name}}; use {code}, {minutes} and {app}`;
    }
  }
  if (!input.text.includes('{code}')) {
    return `the ${input.locale} template must contain {code}`;
  }
  const worstCode = '0'.repeat(MAX_CODE_LENGTH);
  const body = fillPlaceholders(input.text, { code: worstCode, minutes: String(WORST_CASE_MINUTES), app: input.appName });
  const { encoding, units, segments } = countSegments(withWebOtpLine(body, worstCode, input.webOtpDomain));
  if (segments > 1) {
    const limit = encoding === 'GSM-7' ? 160 : 70;
    return `the ${input.locale} template takes ${units} ${encoding} units with a 10-digit code${
      input.webOtpDomain === null ? '' : ' and the WebOTP line'
    }, more than the ${limit} of one SMS segment`;
  }
  return null;
}

export interface MessageSettings {
  readonly appName: string;
  readonly webOtpDomain: string | null;
  readonly templates: readonly SmsTemplate[];
}

/** A problem with a tenant's message settings, with the policy field path it belongs to. */
export interface MessageSettingsProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * Every problem with a tenant's `messages` settings: its own templates, and the built-in templates
 * and phone-change notices it would fall back on, which a long app name or domain can overflow.
 */
export function checkMessageSettings(settings: MessageSettings): MessageSettingsProblem[] {
  const problems: MessageSettingsProblem[] = [];
  if (settings.appName.trim() === '') {
    problems.push({ field: 'messages.appName', message: 'the app name must not be empty' });
  }
  let webOtpDomain = settings.webOtpDomain;
  if (webOtpDomain !== null && !isWebOtpDomain(webOtpDomain)) {
    problems.push({ field: 'messages.webOtpDomain', message: `${JSON.stringify(webOtpDomain)} is not a host name` });
    webOtpDomain = null;
  }
  const seen = new Set<string>();
  settings.templates.forEach((template, i) => {
    const locale = template.locale.toLowerCase();
    if (!LOCALE_PATTERN.test(template.locale) || seen.has(locale)) {
      const message = seen.has(locale)
        ? `a template for ${template.locale} is already given`
        : `${JSON.stringify(template.locale)} is not a language tag such as "ja" or "en-US"`;
      problems.push({ field: `messages.templates[${i}].locale`, message });
      return;
    }
    seen.add(locale);
    const problem = checkTemplate({ ...template, appName: settings.appName, webOtpDomain });
    if (problem) problems.push({ field: `messages.templates[${i}].text`, message: problem });
  });
  for (const builtIn of BUILT_IN_SMS_TEMPLATES.filter((t) => !seen.has(t.locale))) {
    const problem = checkTemplate({ ...builtIn, appName: settings.appName, webOtpDomain });
    if (problem) {
      problems.push({ field: 'messages.appName', message: `the app name is too long for the built-in message: ${problem}` });
    }
  }
  for (const notice of BUILT_IN_PHONE_CHANGE_NOTICES) {
    if (renderPhoneChangeNotice({ locale: notice.locale, defaultLocale: notice.locale, appName: settings.appName }).segments > 1) {
      problems.push({
        field: 'messages.appName',
        message: `the app name is too long for the ${notice.locale} phone-change notice to fit one SMS segment`,
      });
    }
  }
  return problems;
}
