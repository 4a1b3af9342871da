import { constantTimeEqual, formBody, headerOf, retryAfterSeconds, validateProviderSettings } from './provider-http.util';

describe('provider HTTP helpers', () => {
  it('reads Retry-After in seconds, or as a date only when given a clock', () => {
    const now = new Date('2026-03-01T09:00:00Z');
    expect(retryAfterSeconds(new Headers({ 'retry-after': '30' }))).toBe(30);
    expect(retryAfterSeconds(new Headers({ 'retry-after': 'Sun, 01 Mar 2026 09:01:00 GMT' }), now)).toBe(60);
    expect(retryAfterSeconds(new Headers({ 'retry-after': 'Sun, 01 Mar 2026 08:00:00 GMT' }), now)).toBe(0);
    expect(retryAfterSeconds(new Headers({ 'retry-after': 'Sun, 01 Mar 2026 09:01:00 GMT' }))).toBeUndefined();
    expect(retryAfterSeconds(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterSeconds(new Headers())).toBeUndefined();
  });

  it('leaves undefined fields out of a form', () => {
    expect(formBody({ To: '+81 90', From: undefined, Body: 'a&b=c' })).toBe('To=%2B81+90&Body=a%26b%3Dc');
  });

  it('compares strings exactly, whatever their lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });

  it('finds headers whatever their case', () => {
    expect(headerOf({ 'X-Twilio-Signature': 'sig' }, 'x-twilio-signature')).toBe('sig');
    expect(headerOf({}, 'x-twilio-signature')).toBeUndefined();
  });

  it('reports format problems of present credentials and missing optional ones not at all', () => {
    const problems = validateProviderSettings(
      { type: 'VONAGE', countries: [], credentials: { apiKey: 'k', apiSecret: '  ' }, sender: 'x', timeoutMs: 2.5 },
      {
        credentialFields: [
          { name: 'apiKey', required: true },
          { name: 'apiSecret', required: true },
          { name: 'signatureSecret', required: false },
        ],
        credentialFormats: { apiKey: (value) => (value.length < 3 ? 'is too short' : undefined) },
        sender: (sender) => (sender === 'x' ? 'is wrong' : undefined),
      },
    );
    expect(problems).toEqual([
      { field: 'credentials.apiKey', message: 'is too short' },
      { field: 'credentials.apiSecret', message: 'is required' },
      { field: 'sender', message: 'is wrong' },
      { field: 'timeoutMs', message: 'must be a whole number of milliseconds from 1 to 60000' },
    ]);
  });
});
