import { withoutValues } from './graphql-errors';

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
