import type { Request, Response } from 'express';
import { securityHeaders } from './security-headers';

function headersSet(production: boolean): Record<string, string> {
  const set: Record<string, string> = {};
  const res = { setHeader: (name: string, value: string) => (set[name.toLowerCase()] = value) } as unknown as Response;
  let passedOn = false;
  securityHeaders({ production })({} as Request, res, () => (passedOn = true));
  expect(passedOn).toBe(true);
  return set;
}

describe('securityHeaders', () => {
  it.each([false, true])('sets the JSON-API headers (production: %s)', (production) => {
    expect(headersSet(production)).toMatchObject({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-resource-policy': 'same-origin',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'cache-control': 'no-store',
    });
  });

  it('pins HTTPS with HSTS only in production', () => {
    expect(headersSet(true)['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(headersSet(false)).not.toHaveProperty('strict-transport-security');
  });
});
