import { createHmac } from 'node:crypto';

/**
 * Twilio's request signature: base64(HMAC-SHA1(authToken, url + each POST parameter sorted by name,
 * as name + value with no separators)). A repeated parameter contributes each of its values in order.
 */
export function twilioSignature(authToken: string, url: string, postParams: ReadonlyArray<readonly [string, string]>): string {
  const sorted = [...postParams].sort(([nameA, valueA], [nameB, valueB]) =>
    nameA === nameB ? compare(valueA, valueB) : compare(nameA, nameB),
  );
  const payload = url + sorted.map(([name, value]) => name + value).join('');
  return createHmac('sha1', authToken).update(payload, 'utf8').digest('base64');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The URL spellings Twilio may have signed: proxies and load balancers add or drop the default port,
 * so (like Twilio's own validators) both are tried.
 */
export function twilioSignedUrlCandidates(url: string): string[] {
  const match = /^(https?):\/\/([^/?#]+)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme = '', authority = '', rest = ''] = match;
  const defaultPort = scheme.toLowerCase() === 'https' ? '443' : '80';
  const portMatch = /:(\d+)$/.exec(authority);
  if (!portMatch) return [url, `${scheme}://${authority}:${defaultPort}${rest}`];
  if (portMatch[1] === defaultPort) return [url, `${scheme}://${authority.slice(0, -portMatch[0].length)}${rest}`];
  return [url];
}
