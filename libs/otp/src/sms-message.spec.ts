import {
  BUILT_IN_PHONE_CHANGE_NOTICES,
  BUILT_IN_SMS_TEMPLATES,
  checkMessageSettings,
  checkTemplate,
  isWebOtpDomain,
  renderPhoneChangeNotice,
  renderSmsMessage,
  type SmsMessageInput,
} from './sms-message';

const base: SmsMessageInput = {
  templates: [],
  locale: 'ja',
  defaultLocale: 'ja',
  appName: 'Honnin',
  code: '123456',
  ttlSeconds: 300,
  webOtpDomain: null,
};

describe('renderSmsMessage', () => {
  it('renders the built-in ja template', () => {
    expect(renderSmsMessage(base)).toEqual({
      text: '【Honnin】認証コード: 123456（5分間有効）',
      locale: 'ja',
      encoding: 'UCS-2',
      segments: 1,
    });
  });

  it('renders the built-in en template in GSM-7', () => {
    expect(renderSmsMessage({ ...base, locale: 'en' })).toEqual({
      text: 'Honnin: your verification code is 123456. Valid for 5 min.',
      locale: 'en',
      encoding: 'GSM-7',
      segments: 1,
    });
  });

  it.each([
    [300, '5'],
    [301, '6'],
    [61, '2'],
    [60, '1'],
    [600, '10'],
  ])('rounds %i seconds up to %s minutes', (ttlSeconds, minutes) => {
    expect(renderSmsMessage({ ...base, locale: 'en', ttlSeconds }).text).toContain(`Valid for ${minutes} min.`);
  });

  describe('template choice', () => {
    const templates = [
      { locale: 'en', text: 'Code {code} for {app}' },
      { locale: 'de', text: 'Code {code} ({minutes} Min.)' },
    ];

    it('prefers the tenant template for the locale', () => {
      expect(renderSmsMessage({ ...base, templates, locale: 'en' })).toMatchObject({ text: 'Code 123456 for Honnin', locale: 'en' });
    });

    it('uses the built-in template for a locale the tenant did not override', () => {
      expect(renderSmsMessage({ ...base, templates, locale: 'ja' }).locale).toBe('ja');
      expect(renderSmsMessage({ ...base, templates, locale: 'ja' }).text).toContain('認証コード');
    });

    it('matches a regional locale to its language', () => {
      expect(renderSmsMessage({ ...base, templates, locale: 'en-US' }).text).toBe('Code 123456 for Honnin');
      expect(renderSmsMessage({ ...base, locale: 'EN-gb' }).locale).toBe('en');
    });

    it('falls back to the default locale, tenant template first', () => {
      expect(renderSmsMessage({ ...base, templates, locale: 'fr', defaultLocale: 'de' }).text).toBe('Code 123456 (5 Min.)');
      expect(renderSmsMessage({ ...base, templates, locale: null, defaultLocale: 'en' }).text).toBe('Code 123456 for Honnin');
      expect(renderSmsMessage({ ...base, locale: undefined, defaultLocale: 'en' }).locale).toBe('en');
    });

    it('falls back to the built-in ja template when nothing else matches', () => {
      expect(renderSmsMessage({ ...base, locale: 'fr', defaultLocale: 'it' }).locale).toBe('ja');
    });
  });

  describe('WebOTP', () => {
    it('makes the last line exactly "@<domain> #<code>"', () => {
      for (const locale of ['ja', 'en']) {
        const { text } = renderSmsMessage({ ...base, locale, code: '0123456789', webOtpDomain: 'auth.example.com' });
        const lines = text.split('\n');
        expect(lines[lines.length - 1]).toBe('@auth.example.com #0123456789');
        expect(lines.length).toBeGreaterThan(1);
      }
    });

    it('drops trailing blank lines of the template before the WebOTP line', () => {
      const templates = [{ locale: 'ja', text: '{code}\n\n' }];
      expect(renderSmsMessage({ ...base, templates, webOtpDomain: 'example.com' }).text).toBe('123456\n@example.com #123456');
    });

    it('adds no such line without a domain', () => {
      expect(renderSmsMessage(base).text).not.toContain('@');
    });

    it('keeps the ja built-in with a 10-digit code and the WebOTP line in one segment', () => {
      const message = renderSmsMessage({ ...base, code: '9999999999', ttlSeconds: 600, webOtpDomain: 'auth.example.com' });
      expect(message).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    });
  });

  it('does not expand placeholders inside the app name', () => {
    expect(renderSmsMessage({ ...base, locale: 'en', appName: '{code}' }).text).toBe(
      '{code}: your verification code is 123456. Valid for 5 min.',
    );
  });

  it('refuses a code that is not 6 to 10 digits and a domain that is not a host name', () => {
    expect(() => renderSmsMessage({ ...base, code: '12345' })).toThrow(RangeError);
    expect(() => renderSmsMessage({ ...base, webOtpDomain: 'example.com\n#1' })).toThrow(RangeError);
  });
});

describe('isWebOtpDomain', () => {
  it.each(['example.com', 'auth.example.co.jp', 'localhost', 'xn--r8jz45g.jp', 'a-b.example'])('accepts %p', (domain) => {
    expect(isWebOtpDomain(domain)).toBe(true);
  });

  it.each(['', 'https://example.com', 'example.com:8443', 'example.com/path', 'exa mple.com', '-a.com', 'a..com', 'example.com.', '例え.jp'])(
    'refuses %p',
    (domain) => {
      expect(isWebOtpDomain(domain)).toBe(false);
    },
  );
});

describe('checkTemplate', () => {
  const check = (text: string, overrides: Partial<Parameters<typeof checkTemplate>[0]> = {}) =>
    checkTemplate({ text, locale: 'en', appName: 'Honnin', webOtpDomain: null, ...overrides });

  it('accepts the built-in templates, with and without a WebOTP domain', () => {
    for (const { locale, text } of BUILT_IN_SMS_TEMPLATES) {
      expect(check(text, { locale })).toBeNull();
      expect(check(text, { locale, webOtpDomain: 'auth.example.com' })).toBeNull();
    }
  });

  it('refuses a template without {code}', () => {
    expect(check('Your code expires in {minutes} min.')).toMatch(/must contain \{code\}/);
  });

  it.each(['{otp}', '{Code}', '{ code }', '{}'])('refuses the unknown placeholder %p', (placeholder) => {
    expect(check(`{code} ${placeholder}`)).toMatch(/unknown placeholder/);
  });

  it('measures the worst case: a 10-digit code and 2-digit minutes', () => {
    // {code} (10) + space + {minutes} (2) + space = 14 septets before the padding.
    expect(check(`{code} {minutes} ${'x'.repeat(146)}`)).toBeNull();
    expect(check(`{code} {minutes} ${'x'.repeat(147)}`)).toMatch(/161 GSM-7 units.*160/);
  });

  it('counts the app name, and its encoding', () => {
    const text = `{app} {code} ${'x'.repeat(140)}`;
    expect(check(text, { appName: 'Honnin' })).toBeNull();
    expect(check(text, { appName: 'Honnin Bank Ltd' })).not.toBeNull();
    expect(check('{app} {code}', { appName: '本人' })).toBeNull();
    expect(check(`{app} {code} ${'x'.repeat(60)}`, { appName: '本人' })).toMatch(/UCS-2/);
  });

  it('counts the WebOTP line', () => {
    const text = `{code} ${'x'.repeat(130)}`;
    expect(check(text)).toBeNull();
    expect(check(text, { webOtpDomain: 'auth.example.com' })).toMatch(/WebOTP/);
  });

  it('refuses a long template', () => {
    const longEnglish =
      'Hello from {app}. Your one-time verification code is {code}. It is valid for {minutes} minutes. ' +
      'Never share it with anyone, not even with our support staff who will never ask.';
    expect(check(longEnglish)).toMatch(/GSM-7/);
    expect(check('【{app}】認証コードは{code}です。{minutes}分以内に入力してください。このコードは当社の社員を含め、誰にも絶対に教えないでください。', { locale: 'ja' })).toMatch(/UCS-2/);
  });

  it('refuses a locale that is not a language tag and a bad WebOTP domain', () => {
    expect(check('{code}', { locale: 'en_US' })).toMatch(/language tag/);
    expect(check('{code}', { webOtpDomain: 'https://example.com' })).toMatch(/host name/);
  });
});

describe('checkMessageSettings', () => {
  it('finds nothing wrong with ordinary settings', () => {
    const templates = [{ locale: 'en-US', text: '{code} is your {app} code' }];
    expect(checkMessageSettings({ appName: 'Honnin', webOtpDomain: 'auth.example.com', templates })).toEqual([]);
  });

  it('names the field of each problem', () => {
    const problems = checkMessageSettings({
      appName: 'Honnin',
      webOtpDomain: 'https://x',
      templates: [
        { locale: 'en', text: 'no code here' },
        { locale: 'EN', text: '{code}' },
        { locale: 'en_GB', text: '{code}' },
      ],
    });
    expect(problems.map((p) => p.field)).toEqual([
      'messages.webOtpDomain',
      'messages.templates[0].text',
      'messages.templates[1].locale',
      'messages.templates[2].locale',
    ]);
  });

  it('refuses an app name too long for a built-in message the tenant did not override', () => {
    const appName = '本人確認サービス株式会社デジタル認証基盤事業部お客様窓口';
    const problems = checkMessageSettings({ appName, webOtpDomain: 'auth.example.com', templates: [] });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.field === 'messages.appName')).toBe(true);
  });

  it('refuses an empty app name', () => {
    expect(checkMessageSettings({ appName: ' ', webOtpDomain: null, templates: [] })).toContainEqual({
      field: 'messages.appName',
      message: 'the app name must not be empty',
    });
  });
});

describe('renderPhoneChangeNotice', () => {
  const noticeLocales = BUILT_IN_PHONE_CHANGE_NOTICES.map((n) => n.locale);

  it.each(noticeLocales)('renders the %s notice in one segment, with the app name and no digits', (locale) => {
    const notice = renderPhoneChangeNotice({ locale, defaultLocale: 'ja', appName: 'Honnin' });
    expect(notice.locale).toBe(locale);
    expect(notice.segments).toBe(1);
    expect(notice.text).toContain('Honnin');
    expect(notice.text).not.toMatch(/[0-9{}]/);
  });

  it('leaves room for an app name of 20 characters in either script', () => {
    expect(renderPhoneChangeNotice({ locale: 'ja', defaultLocale: 'ja', appName: '本'.repeat(20) }).segments).toBe(1);
    expect(renderPhoneChangeNotice({ locale: 'en', defaultLocale: 'ja', appName: 'A'.repeat(20) }).segments).toBe(1);
  });

  it('falls back to the default locale', () => {
    expect(renderPhoneChangeNotice({ locale: 'fr', defaultLocale: 'en', appName: 'Honnin' }).locale).toBe('en');
    expect(renderPhoneChangeNotice({ defaultLocale: 'ja', appName: 'Honnin' }).locale).toBe('ja');
  });
});
