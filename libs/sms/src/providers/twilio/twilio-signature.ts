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
  const candidates = new Set([url]);
  try {
    const parsed = new URL(url);
    const defaultPort = parsed.protocol === 'https:' ? '443' : '80';
    if (parsed.port === '') {
      candidates.add(url.replace(`${parsed.protocol}//${parsed.host}`, `${parsed.protocol}//${parsed.hostname}:${defaultPort}`));
    } else if (parsed.port === defaultPort) {
      candidates.add(url.replace(`${parsed.protocol}//${parsed.hostname}:${defaultPort}`, `${parsed.protocol}//${parsed.hostname}`));
    }
  } catch {
    return [url];
  }
  return [...candidates];
}
