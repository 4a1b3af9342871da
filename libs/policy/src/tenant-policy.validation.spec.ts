import fc from 'fast-check';
import type { ActionRequirement, TenantPolicy } from './tenant-policy';
import { CHANGE_PASSWORD_ACTION, CHANGE_PHONE_ACTION, DEFAULT_TENANT_POLICY } from './tenant-policy.defaults';
import { validateTenantPolicy, type PolicyValidationOptions } from './tenant-policy.validation';

const base = DEFAULT_TENANT_POLICY;

/** A value of the wrong type, as an untrusted document could hold it. */
function wrong<T>(value: unknown): T {
  return value as T;
}

type Sections = Pick<TenantPolicy, 'otp' | 'phone' | 'limits' | 'session' | 'password' | 'messages'>;
type SectionPatch = { [K in keyof Sections]?: Partial<Record<keyof Sections[K], unknown>> };

/** The default policy with some fields replaced. */
function policyWith(top: Partial<Record<'actions' | 'defaultAal' | 'loginRequiresAal', unknown>>, sections: SectionPatch = {}): TenantPolicy {
  const merged: Record<string, unknown> = { ...base, ...top };
  for (const [name, patch] of Object.entries(sections)) {
    merged[name] = { ...(base[name as keyof Sections] as object), ...patch };
  }
  return wrong<TenantPolicy>(merged);
}

function fieldsOf(policy: TenantPolicy, options?: PolicyValidationOptions): string[] {
  return validateTenantPolicy(policy, options).map((problem) => problem.field);
}

function withActions(...extra: ActionRequirement[]): unknown[] {
  return [...base.actions, ...extra];
}

describe('validateTenantPolicy', () => {
  describe('otp', () => {
    it.each([
      ['length', 5],
      ['length', 11],
      ['length', 6.5],
      ['ttlSeconds', 0],
      ['ttlSeconds', 59],
      ['ttlSeconds', 601],
      ['maxAttempts', 0],
      ['maxAttempts', 50],
      ['resendCooldownSeconds', -1],
      ['resendCooldownSeconds', 3601],
      ['maxSendsPerChallenge', 0],
      ['maxSendsPerChallenge', 11],
      ['ttlSeconds', '300'],
      ['ttlSeconds', Number.NaN],
      ['ttlSeconds', undefined],
    ])('refuses otp.%s = %p', (field, value) => {
      expect(validateTenantPolicy(policyWith({}, { otp: { [field]: value } }))).toEqual([
        { field: `otp.${field}`, message: expect.stringMatching(/^must be an integer from \d+ to \d+$/) },
      ]);
    });

    it.each([
      ['length', 6],
      ['length', 10],
      ['ttlSeconds', 60],
      ['ttlSeconds', 600],
      ['maxAttempts', 1],
      ['maxAttempts', 10],
      ['resendCooldownSeconds', 0],
      ['resendCooldownSeconds', 3600],
      ['maxSendsPerChallenge', 1],
      ['maxSendsPerChallenge', 10],
    ])('accepts otp.%s = %p', (field, value) => {
      expect(fieldsOf(policyWith({}, { otp: { [field]: value } }))).toEqual([]);
    });

    it('names the bounds in the message', () => {
      expect(validateTenantPolicy(policyWith({}, { otp: { ttlSeconds: 601 } }))).toEqual([
        { field: 'otp.ttlSeconds', message: 'must be an integer from 60 to 600' },
      ]);
    });
  });

  describe('limits', () => {
    const keys = Object.keys(base.limits);

    it.each(keys)('refuses limits.%s = 0, a fraction and a text', (key) => {
      for (const value of [0, 2.5, '10']) {
        expect(fieldsOf(policyWith({}, { limits: { [key]: value } }))).toEqual([`limits.${key}`]);
      }
    });

    it.each(keys.filter((key) => key !== 'prefixBurstFactor'))('accepts limits.%s = 1', (key) => {
      expect(fieldsOf(policyWith({}, { limits: { [key]: 1 } }))).toEqual([]);
    });

    it.each([
      ['sendsPerTenantPerDay', 1, 10_000_000],
      ['prefixBurstMinimum', 1, 100_000],
      ['prefixBurstFactor', 2, 1000],
    ])('bounds limits.%s to %p..%p', (key, min, max) => {
      expect(fieldsOf(policyWith({}, { limits: { [key]: min } }))).toEqual([]);
      expect(fieldsOf(policyWith({}, { limits: { [key]: max } }))).toEqual([]);
      expect(validateTenantPolicy(policyWith({}, { limits: { [key]: min - 1 } }))).toEqual([
        { field: `limits.${key}`, message: `must be an integer from ${min} to ${max}` },
      ]);
      expect(fieldsOf(policyWith({}, { limits: { [key]: max + 1 } }))).toEqual([`limits.${key}`]);
    });

    it('refuses a burst factor of 1, which would hold a prefix at its usual traffic', () => {
      expect(fieldsOf(policyWith({}, { limits: { prefixBurstFactor: 1 } }))).toEqual(['limits.prefixBurstFactor']);
    });

    it('caps verify failures at 100 per NIST SP 800-63B 5.2.2 and login failures per account at 100', () => {
      expect(fieldsOf(policyWith({}, { limits: { verifyFailuresPerUserPerHour: 100, loginFailuresPerAccount: 100 } }))).toEqual([]);
      expect(fieldsOf(policyWith({}, { limits: { verifyFailuresPerUserPerHour: 101, loginFailuresPerAccount: 101 } }))).toEqual([
        'limits.verifyFailuresPerUserPerHour',
        'limits.loginFailuresPerAccount',
      ]);
    });

    it('refuses a limit so large it switches the limit off', () => {
      expect(fieldsOf(policyWith({}, { limits: { sendsPerTenantPerHour: 1e9, sendsPerPhonePerHour: 1e6 } }))).toEqual([
        'limits.sendsPerPhonePerHour',
        'limits.sendsPerTenantPerHour',
      ]);
    });
  });

  describe('session', () => {
    it.each([
      [{ aal1MaxSeconds: 2_592_001 }, ['session.aal1MaxSeconds']],
      [{ aal2MaxSeconds: 86_401 }, ['session.aal2MaxSeconds']],
      [{ aal2IdleSeconds: 3601 }, ['session.aal2IdleSeconds']],
      [{ aal1IdleSeconds: 59 }, ['session.aal1IdleSeconds']],
      [{ aal1MaxSeconds: 59, aal1IdleSeconds: 60 }, ['session.aal1MaxSeconds']],
      [{ aal2MaxSeconds: 0, aal2IdleSeconds: 59 }, ['session.aal2MaxSeconds', 'session.aal2IdleSeconds']],
      [{ aal1MaxSeconds: 3600, aal1IdleSeconds: 7200 }, ['session.aal1IdleSeconds']],
      [{ aal2MaxSeconds: 600, aal2IdleSeconds: 900 }, ['session.aal2IdleSeconds']],
    ])('refuses %p', (session, fields) => {
      expect(fieldsOf(policyWith({}, { session }))).toEqual(fields);
    });

    it('accepts the largest values allowed (30 days, 24 h, 1 h idle) and the smallest (60 s)', () => {
      const largest = { aal1MaxSeconds: 2_592_000, aal1IdleSeconds: 2_592_000, aal2MaxSeconds: 86_400, aal2IdleSeconds: 3600 };
      const smallest = { aal1MaxSeconds: 60, aal1IdleSeconds: 60, aal2MaxSeconds: 60, aal2IdleSeconds: 60 };
      expect(fieldsOf(policyWith({}, { session: largest }))).toEqual([]);
      expect(fieldsOf(policyWith({}, { session: smallest }))).toEqual([]);
    });

    it('says which limit an idle time exceeds', () => {
      expect(validateTenantPolicy(policyWith({}, { session: { aal2MaxSeconds: 600, aal2IdleSeconds: 900 } }))).toEqual([
        { field: 'session.aal2IdleSeconds', message: 'must not exceed session.aal2MaxSeconds' },
      ]);
    });
  });

  describe('password.minLength', () => {
    it('refuses 8 while a password alone signs in (AAL1 login)', () => {
      const problems = validateTenantPolicy(policyWith({ loginRequiresAal: 'AAL1' }, { password: { minLength: 8 } }));
      expect(problems).toEqual([{ field: 'password.minLength', message: expect.stringContaining('at least 15') }]);
    });

    it('allows 8 when login requires AAL2', () => {
      expect(fieldsOf(policyWith({ loginRequiresAal: 'AAL2' }, { password: { minLength: 8 } }))).toEqual([]);
    });

    it.each([
      ['AAL1', 14],
      ['AAL2', 7],
      ['AAL1', 65],
      ['AAL2', 65],
      ['AAL1', 15.5],
      ['AAL1', '15'],
    ])('refuses login %s with minLength %p', (login, minLength) => {
      expect(fieldsOf(policyWith({ loginRequiresAal: login }, { password: { minLength } }))).toEqual(['password.minLength']);
    });

    it('accepts 15 and 64 with either login', () => {
      for (const login of ['AAL1', 'AAL2']) {
        for (const minLength of [15, 64]) {
          expect(fieldsOf(policyWith({ loginRequiresAal: login }, { password: { minLength } }))).toEqual([]);
        }
      }
    });

    it('takes an unknown login level as AAL1, the stricter case', () => {
      expect(fieldsOf(policyWith({ loginRequiresAal: 'AAL3' }, { password: { minLength: 8 } }))).toEqual([
        'loginRequiresAal',
        'password.minLength',
      ]);
    });
  });

  describe('assurance levels', () => {
    it.each([['AAL3'], ['aal2'], [''], [2], [null]])('refuses %p for defaultAal and loginRequiresAal', (value) => {
      expect(validateTenantPolicy(policyWith({ defaultAal: value, loginRequiresAal: value }))).toEqual([
        { field: 'defaultAal', message: 'must be one of AAL1, AAL2' },
        { field: 'loginRequiresAal', message: 'must be one of AAL1, AAL2' },
      ]);
    });

    it('refuses an unknown level on an action, at its path', () => {
      const actions = withActions(wrong<ActionRequirement>({ action: 'payments.transfer', aal: 'AAL3', maxAgeSeconds: null }));
      expect(fieldsOf(policyWith({ actions }))).toEqual(['actions[2].aal']);
    });
  });

  describe('actions', () => {
    it('accepts well-formed names, levels and ages', () => {
      const actions = withActions(
        { action: 'payments.transfer', aal: 'AAL2', maxAgeSeconds: 1 },
        { action: 'a', aal: 'AAL1', maxAgeSeconds: null },
        { action: `x${'y'.repeat(99)}`, aal: 'AAL1', maxAgeSeconds: 2_592_000 },
        { action: 'billing:invoice-2_view.all', aal: 'AAL2', maxAgeSeconds: null },
      );
      expect(fieldsOf(policyWith({ actions }))).toEqual([]);
    });

    it.each([['Payments.transfer'], ['1payments'], [''], ['.x'], ['pay ments'], ['pay/ments'], [`x${'y'.repeat(100)}`], [42]])(
      'refuses the action name %p',
      (name) => {
        const actions = withActions(wrong<ActionRequirement>({ action: name, aal: 'AAL1', maxAgeSeconds: null }));
        expect(fieldsOf(policyWith({ actions }))).toEqual(['actions[2].action']);
      },
    );

    it.each([[0], [-5], [2_592_001], [1.5], ['300'], [undefined]])('refuses maxAgeSeconds %p', (maxAgeSeconds) => {
      const actions = withActions(wrong<ActionRequirement>({ action: 'payments.transfer', aal: 'AAL2', maxAgeSeconds }));
      expect(validateTenantPolicy(policyWith({ actions }))).toEqual([
        { field: 'actions[2].maxAgeSeconds', message: 'must be null or an integer from 1 to 2592000' },
      ]);
    });

    it('reports a repeated name at the repeat, naming the first', () => {
      const actions = withActions(
        { action: 'payments.transfer', aal: 'AAL2', maxAgeSeconds: null },
        { action: 'payments.transfer', aal: 'AAL1', maxAgeSeconds: null },
      );
      expect(validateTenantPolicy(policyWith({ actions }))).toEqual([
        { field: 'actions[3].action', message: 'repeats actions[2].action' },
      ]);
    });

    it('never lets account.change_phone below AAL2 (SECURITY 10), but lets change_password be loosened', () => {
      const actions = [
        { action: CHANGE_PASSWORD_ACTION, aal: 'AAL1', maxAgeSeconds: null },
        { action: CHANGE_PHONE_ACTION, aal: 'AAL1', maxAgeSeconds: 300 },
      ];
      expect(validateTenantPolicy(policyWith({ actions }))).toEqual([
        { field: 'actions[1].aal', message: 'account.change_phone always needs AAL2' },
      ]);
    });

    it('reports a missing built-in action', () => {
      const actions = [{ action: CHANGE_PASSWORD_ACTION, aal: 'AAL2', maxAgeSeconds: 300 }];
      expect(validateTenantPolicy(policyWith({ actions }))).toEqual([
        { field: 'actions', message: 'must include the built-in action account.change_phone' },
      ]);
    });

    it('allows 200 actions and refuses 201', () => {
      const many = (n: number) =>
        withActions(...Array.from({ length: n - 2 }, (_, i): ActionRequirement => ({ action: `a${i}`, aal: 'AAL1', maxAgeSeconds: null })));
      expect(fieldsOf(policyWith({ actions: many(200) }))).toEqual([]);
      expect(validateTenantPolicy(policyWith({ actions: many(201) }))).toEqual([{ field: 'actions', message: 'must have at most 200 entries' }]);
    });

    it('lists every problem of 1000 actions with 10 kB names by field path, without echoing the names', () => {
      const actions = Array.from({ length: 1000 }, (_, i): ActionRequirement => ({
        action: `${i}`.padEnd(10_000, 'x'),
        aal: 'AAL2',
        maxAgeSeconds: null,
      }));
      const problems = validateTenantPolicy(policyWith({ actions }));
      const fields = problems.map((p) => p.field);
      expect(fields).toContain('actions');
      for (let i = 0; i < 1000; i++) expect(fields).toContain(`actions[${i}].action`);
      expect(problems.every((p) => p.message.length < 200)).toBe(true);
    });

    it.each([[null], ['payments'], [{ action: 'x' }]])('refuses actions that are not a list: %p', (actions) => {
      expect(fieldsOf(policyWith({ actions }))).toEqual(['actions']);
    });

    it('refuses an entry that is not an object', () => {
      expect(fieldsOf(policyWith({ actions: withActions(wrong<ActionRequirement>('payments')) }))).toEqual(['actions[2]']);
    });
  });

  describe('phone', () => {
    it('accepts upper-case ISO 3166 codes and E.164 prefixes', () => {
      const phone = { allowedCountries: ['JP', 'US', 'GB'], blockedPrefixes: ['+881', '+1900', '+8170123456789012'.slice(0, 16)] };
      expect(fieldsOf(policyWith({}, { phone }))).toEqual([]);
    });

    it('refuses lower case, three letters, unassigned codes and non-texts, each at its index', () => {
      const phone = { allowedCountries: ['JP', 'jp', 'JPN', 'ZZ', 81] };
      expect(validateTenantPolicy(policyWith({}, { phone }))).toEqual([
        { field: 'phone.allowedCountries[1]', message: 'must be an ISO 3166 alpha-2 code in upper case, such as JP' },
        { field: 'phone.allowedCountries[2]', message: 'must be an ISO 3166 alpha-2 code in upper case, such as JP' },
        { field: 'phone.allowedCountries[3]', message: 'is not a country with phone numbers' },
        { field: 'phone.allowedCountries[4]', message: 'must be an ISO 3166 alpha-2 code in upper case, such as JP' },
      ]);
    });

    it('refuses prefixes that are not E.164', () => {
      const phone = { blockedPrefixes: ['881', '+0', '+', '+1234567890123456', '+81 3', '+1234567890123456'.slice(0, 16)] };
      expect(fieldsOf(policyWith({}, { phone }))).toEqual([0, 1, 2, 3, 4].map((i) => `phone.blockedPrefixes[${i}]`));
    });

    it('allows 100 countries and prefixes and refuses 101', () => {
      const prefixes = (n: number) => Array.from({ length: n }, (_, i) => `+${i + 1}`);
      const countries = (n: number) => Array.from({ length: n }, () => 'JP');
      expect(fieldsOf(policyWith({}, { phone: { allowedCountries: countries(100), blockedPrefixes: prefixes(100) } }))).toEqual([]);
      expect(fieldsOf(policyWith({}, { phone: { allowedCountries: countries(101), blockedPrefixes: prefixes(101) } }))).toEqual([
        'phone.allowedCountries',
        'phone.blockedPrefixes',
      ]);
    });

    it('accepts high-risk prefixes to allow at a calling code or finer', () => {
      const phone = { allowedHighRiskPrefixes: ['+870', '+881', '+8816', '+882', '+88347', '+979', '+808'] };
      expect(fieldsOf(policyWith({}, { phone }))).toEqual([]);
    });

    it('refuses allowed high-risk prefixes that are not E.164 or not under a high-risk calling code', () => {
      const phone = { allowedHighRiskPrefixes: ['881', '+0', '+44', '+88', '+8', 881, '+1234567890123456', '+881'] };
      const problems = validateTenantPolicy(policyWith({}, { phone }));
      expect(problems.map((p) => p.field)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `phone.allowedHighRiskPrefixes[${i}]`));
      expect(problems[2]).toEqual({
        field: 'phone.allowedHighRiskPrefixes[2]',
        message: 'must lie under one of the high-risk calling codes +870, +881, +882, +883, +979, +808',
      });
      expect(problems[0].message).toBe('must be an E.164 prefix: + then up to 15 digits, not starting with 0');
    });

    it('allows 100 high-risk prefixes and refuses 101', () => {
      const prefixes = (n: number) => Array.from({ length: n }, (_, i) => `+881${i}`);
      expect(fieldsOf(policyWith({}, { phone: { allowedHighRiskPrefixes: prefixes(100) } }))).toEqual([]);
      expect(fieldsOf(policyWith({}, { phone: { allowedHighRiskPrefixes: prefixes(101) } }))).toEqual(['phone.allowedHighRiskPrefixes']);
    });

    it('refuses flags that are not booleans and lists that are not lists', () => {
      const phone = {
        allowedCountries: 'JP', blockedPrefixes: null, allowedHighRiskPrefixes: '+881', mobileOnly: 'yes', uniquePerTenant: 1, requiredAtSignUp: undefined,
      };
      expect(fieldsOf(policyWith({}, { phone }))).toEqual([
        'phone.allowedCountries',
        'phone.blockedPrefixes',
        'phone.allowedHighRiskPrefixes',
        'phone.mobileOnly',
        'phone.uniquePerTenant',
        'phone.requiredAtSignUp',
      ]);
    });
  });

  describe('messages', () => {
    it.each([[''], ['   '], ['x'.repeat(31)], ['App\nName'], [null]])('refuses the app name %p', (appName) => {
      expect(fieldsOf(policyWith({}, { messages: { appName } }))).toEqual(['messages.appName']);
    });

    it('counts the app name in characters, so 30 Japanese characters fit', () => {
      expect(fieldsOf(policyWith({}, { messages: { appName: 'あ'.repeat(30) } }))).toEqual([]);
      expect(fieldsOf(policyWith({}, { messages: { appName: '𠮷'.repeat(30) } }))).toEqual([]);
      expect(fieldsOf(policyWith({}, { messages: { appName: 'あ'.repeat(31) } }))).toEqual(['messages.appName']);
    });

    it.each([['ja'], ['en'], ['en-US'], ['pt-BR']])('accepts the locale %p', (defaultLocale) => {
      expect(fieldsOf(policyWith({}, { messages: { defaultLocale, templates: [{ locale: defaultLocale, text: '{code}' }] } }))).toEqual([]);
    });

    it.each([['JA'], ['ja-jp'], ['jpn'], ['ja_JP'], [''], ['en-US-x']])('refuses the locale %p', (locale) => {
      expect(fieldsOf(policyWith({}, { messages: { defaultLocale: locale, templates: [{ locale, text: '{code}' }] } }))).toEqual([
        'messages.defaultLocale',
        'messages.templates[0].locale',
      ]);
    });

    it('accepts a template with the three placeholders', () => {
      const templates = [{ locale: 'en', text: '{app}: {code} is your code ({minutes} min). {code}' }];
      expect(fieldsOf(policyWith({}, { messages: { templates } }))).toEqual([]);
    });

    it.each([
      ['Your code is ready', 'must contain {code}'],
      ['{code} for {name}', 'may use only the placeholders {code}, {minutes}, {app} and no other braces'],
      ['{code} {', 'may use only the placeholders {code}, {minutes}, {app} and no other braces'],
      ['{CODE} {code}', 'may use only the placeholders {code}, {minutes}, {app} and no other braces'],
      [`{code}${'x'.repeat(295)}`, 'must be at most 300 characters'],
    ])('refuses the template %p', (text, message) => {
      expect(validateTenantPolicy(policyWith({}, { messages: { templates: [{ locale: 'en', text }] } }))).toEqual([
        { field: 'messages.templates[0].text', message },
      ]);
    });

    it('accepts a template of exactly 300 characters', () => {
      const templates = [{ locale: 'en', text: `{code}${'x'.repeat(294)}` }];
      expect(fieldsOf(policyWith({}, { messages: { templates } }))).toEqual([]);
    });

    it('refuses a repeated locale at the repeat', () => {
      const templates = [
        { locale: 'en', text: '{code}' },
        { locale: 'ja', text: '{code}' },
        { locale: 'en', text: 'code {code}' },
      ];
      expect(validateTenantPolicy(policyWith({}, { messages: { templates } }))).toEqual([
        { field: 'messages.templates[2].locale', message: 'repeats messages.templates[0].locale' },
      ]);
    });

    it('refuses more than 100 templates and malformed entries', () => {
      const templates = Array.from({ length: 101 }, (_, i) => ({ locale: 'ja', text: `{code}${i}` }));
      expect(fieldsOf(policyWith({}, { messages: { templates } }))).toContain('messages.templates');
      expect(fieldsOf(policyWith({}, { messages: { templates: ['{code}', { locale: 'en', text: 5 }] } }))).toEqual([
        'messages.templates[0]',
        'messages.templates[1].text',
      ]);
    });

    it('reports the answer of checkTemplate at the template text, asking with its text and locale', () => {
      const checkTemplate = jest.fn((text: string, locale: string) => (locale === 'ja' ? `too long: ${text.length}` : null));
      const templates = [
        { locale: 'en', text: 'A {code}' },
        { locale: 'ja', text: 'B {code}' },
      ];
      expect(validateTenantPolicy(policyWith({}, { messages: { templates } }), { checkTemplate })).toEqual([
        { field: 'messages.templates[1].text', message: 'too long: 8' },
      ]);
      expect(checkTemplate.mock.calls).toEqual([
        ['A {code}', 'en'],
        ['B {code}', 'ja'],
      ]);
    });

    it('does not ask checkTemplate about a template already refused here', () => {
      const checkTemplate = jest.fn(() => 'should not be asked');
      const templates = [
        { locale: 'en', text: 'no code' },
        { locale: 'EN', text: '{code}' },
      ];
      expect(fieldsOf(policyWith({}, { messages: { templates } }), { checkTemplate })).toEqual([
        'messages.templates[0].text',
        'messages.templates[1].locale',
      ]);
      expect(checkTemplate).not.toHaveBeenCalled();
    });

    it.each([['example.com'], ['login.example.co.jp'], ['localhost'], ['xn--r8jz45g.jp']])('accepts the WebOTP domain %p', (webOtpDomain) => {
      expect(fieldsOf(policyWith({}, { messages: { webOtpDomain } }))).toEqual([]);
    });

    it.each([['https://example.com'], ['example.com/'], ['exa mple.com'], [''], ['example..com'], ['-example.com'], ['example.com:443'], [`${'a'.repeat(64)}.com`], [3]])(
      'refuses the WebOTP domain %p',
      (webOtpDomain) => {
        expect(fieldsOf(policyWith({}, { messages: { webOtpDomain } }))).toEqual(['messages.webOtpDomain']);
      },
    );
  });

  describe('documents of the wrong shape', () => {
    it('reports each section that is not an object', () => {
      expect(fieldsOf(wrong<TenantPolicy>({}))).toEqual([
        'actions',
        'defaultAal',
        'loginRequiresAal',
        'otp',
        'phone',
        'limits',
        'session',
        'password',
        'messages',
      ]);
      expect(fieldsOf(wrong<TenantPolicy>(null))).toHaveLength(9);
      expect(fieldsOf(policyWith({}, {}))).toEqual([]);
    });

    it('reports every problem at once', () => {
      const policy = policyWith(
        { defaultAal: 'AAL9' },
        { otp: { ttlSeconds: 0, maxAttempts: 50 }, limits: { sendsPerIpPerHour: 0 }, messages: { webOtpDomain: 'bad domain' } },
      );
      expect(fieldsOf(policy)).toEqual(['defaultAal', 'otp.ttlSeconds', 'otp.maxAttempts', 'limits.sendsPerIpPerHour', 'messages.webOtpDomain']);
    });

    const scalar = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null));
    const record = fc.dictionary(fc.string(), scalar);
    const section = fc.oneof(record, scalar, fc.array(scalar));

    it('never throws on arbitrary records of numbers and strings', () => {
      fc.assert(
        fc.property(record, (document) => {
          expect(Array.isArray(validateTenantPolicy(wrong<TenantPolicy>(document)))).toBe(true);
        }),
      );
    });

    it('never throws when any section or list holds arbitrary values', () => {
      const document = fc.record({
        actions: fc.oneof(fc.array(fc.oneof(record, scalar, fc.record({ action: scalar, aal: scalar, maxAgeSeconds: scalar }))), scalar),
        defaultAal: scalar,
        loginRequiresAal: scalar,
        otp: section,
        phone: fc.oneof(section, fc.record({ allowedCountries: fc.array(scalar), blockedPrefixes: fc.array(scalar) })),
        limits: section,
        session: section,
        password: section,
        messages: fc.oneof(
          section,
          fc.record({ appName: scalar, defaultLocale: scalar, templates: fc.array(fc.oneof(record, fc.record({ locale: scalar, text: scalar }))), webOtpDomain: scalar }),
        ),
      });
      fc.assert(
        fc.property(document, fc.anything(), (policy, anything) => {
          expect(Array.isArray(validateTenantPolicy(wrong<TenantPolicy>(policy)))).toBe(true);
          expect(Array.isArray(validateTenantPolicy(wrong<TenantPolicy>(anything)))).toBe(true);
        }),
      );
    });

    it('finds no problem in any policy whose every field is within its bounds', () => {
      const inRange = fc.record({
        otp: fc.record({
          length: fc.integer({ min: 6, max: 10 }),
          ttlSeconds: fc.integer({ min: 60, max: 600 }),
          maxAttempts: fc.integer({ min: 1, max: 10 }),
          resendCooldownSeconds: fc.integer({ min: 0, max: 3600 }),
          maxSendsPerChallenge: fc.integer({ min: 1, max: 10 }),
        }),
        session: fc
          .tuple(fc.integer({ min: 60, max: 2_592_000 }), fc.integer({ min: 60, max: 86_400 }))
          .chain(([aal1Max, aal2Max]) =>
            fc.record({
              aal1MaxSeconds: fc.constant(aal1Max),
              aal1IdleSeconds: fc.integer({ min: 60, max: aal1Max }),
              aal2MaxSeconds: fc.constant(aal2Max),
              aal2IdleSeconds: fc.integer({ min: 60, max: Math.min(3600, aal2Max) }),
            }),
          ),
        loginRequiresAal: fc.constantFrom('AAL1', 'AAL2'),
        verifyFailures: fc.integer({ min: 1, max: 100 }),
      });
      fc.assert(
        fc.property(inRange, ({ otp, session, loginRequiresAal, verifyFailures }) => {
          const policy = policyWith(
            { loginRequiresAal },
            { otp, session, limits: { verifyFailuresPerUserPerHour: verifyFailures }, password: { minLength: loginRequiresAal === 'AAL2' ? 8 : 15 } },
          );
          expect(validateTenantPolicy(policy)).toEqual([]);
        }),
      );
    });
  });
});
