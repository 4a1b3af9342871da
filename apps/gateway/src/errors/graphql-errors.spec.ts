import { GraphQLError } from 'graphql';
import { IdentityError } from '@honnin/identity';
import { formatGraphqlError, withoutValues } from './graphql-errors';
import { WellFormedTextPipe } from './validation';

describe('withoutValues', () => {
  it.each([
    [
      'Variable "$input" got invalid value { type: "TWILIO", credentials: { authToken: "s3cret" } } at "input.providers[0]"; Field "region" is not defined by type "SmsProviderInput".',
      'Variable "$input" has an invalid value at "input.providers[0]"; Field "region" is not defined by type "SmsProviderInput".',
    ],
    ['Variable "$code" got invalid value "s3cret"; String cannot represent...', 'Variable "$code" has an invalid value; String cannot represent...'],
    ['Expected value of type "Int!", found "s3cret".', 'Expected value of type "Int!".'],
    ['String cannot represent a non string value: {s3cret: 1}', 'String cannot represent a non string value.'],
    ['Cannot query field "nosuch" on type "Query".', 'Cannot query field "nosuch" on type "Query".'],
  ])('%s', (message, expected) => {
    expect(withoutValues(message)).toBe(expected);
    expect(withoutValues(message)).not.toContain('s3cret');
  });
});

describe('formatGraphqlError', () => {
  it("types graphql-js's own refusals of a request (no resolver, no path) as BAD_USER_INPUT", () => {
    const error = new GraphQLError('Schema is not configured to execute subscription operation.');
    expect(formatGraphqlError({ message: error.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error).extensions).toEqual({ code: 'BAD_USER_INPUT', fields: [] });
  });

  it('keeps a resolver failure INTERNAL, without its message', () => {
    const error = new GraphQLError('relation "users" does not exist', { path: ['me'], originalError: new Error('relation "users" does not exist') });
    expect(formatGraphqlError({ message: error.message, path: ['me'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error)).toEqual({
      message: 'Internal server error.', path: ['me'], extensions: { code: 'INTERNAL' },
    });
  });
});

describe('WellFormedTextPipe', () => {
  const pipe = new WellFormedTextPipe();
  const refusal = (value: unknown, data = 'input') => {
    try {
      pipe.transform(value, { type: 'body', data });
      return null;
    } catch (error) {
      return error instanceof IdentityError ? error.details : error;
    }
  };

  it('lets well-formed text through, emoji and Japanese included', () => {
    expect(refusal({ loginId: 'ann@example.com', name: '本人 🔐', tags: ['a', 'b'] })).toBeNull();
  });

  it.each([
    [{ loginId: 'a\u0000b' }, 'loginId'],
    [{ providers: [{ credentials: { token: 'x\uD800' } }] }, 'providers[0].credentials.token'],
    [{ name: '\uDC00lone' }, 'name'],
  ])('refuses %j naming %s', (value, field) => {
    expect(refusal(value)).toEqual({ fields: [{ field, message: 'contains a NUL or an unpaired surrogate' }] });
  });

  it('names a scalar argument by its own name, and leaves custom parameters alone', () => {
    expect(refusal('nul\u0000action', 'action')).toEqual({ fields: [{ field: 'action', message: 'contains a NUL or an unpaired surrogate' }] });
    expect(pipe.transform('x\u0000', { type: 'custom' })).toBe('x\u0000');
  });
});
