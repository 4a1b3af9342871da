import { createHmac } from 'node:crypto';

/**
 * Vonage's signed-webhook scheme (HMAC-SHA256 variant): every parameter except `sig`, sorted by
 * name, with `&` and `=` in values replaced by `_`, joined as `&name=value&name=value`, then
 * hex HMAC-SHA256 keyed by the account's signature secret.
 */
export function vonageSignature(signatureSecret: string, params: Readonly<Record<string, string>>): string {
  const payload = Object.keys(params)
    .filter((name) => name !== 'sig')
    .sort()
    .map((name) => `&${name}=${(params[name] ?? '').replace(/[&=]/g, '_')}`)
    .join('');
  return createHmac('sha256', signatureSecret).update(payload, 'utf8').digest('hex');
}
