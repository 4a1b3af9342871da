import { Agent } from 'undici';
import type { ProviderAnswer, ProviderCallResult, ProviderHeaders, ProviderPost } from '../../port/sms-provider.port';

/** A provider's answer larger than this is no answer: they are a few hundred bytes of JSON. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * `ProviderPost` on undici's connection pools, keeping connections to each provider open between
 * messages (a TLS handshake per SMS would cost more than the send). Measured here, a POST costs a
 * sixth of the CPU `fetch` spends on it, which matters to a dispatcher sending hundreds a second.
 * Redirects are never followed.
 */
export function createProviderPost(): ProviderPost {
  // As many connections to a provider as sends are on their way: the dispatcher bounds those (maxInFlight).
  const agent = new Agent();
  return async (request, timeoutMs) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return unreachable('network error (invalid URL)');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return unreachable('network error (not an http(s) URL)');
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    try {
      const response = await agent.request({
        origin: url.origin, path: `${url.pathname}${url.search}`, method: 'POST', headers: request.headers, body: request.body, signal: deadline.signal,
      });
      const text = await new Promise<string | null>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.body.on('data', (chunk: Buffer) => {
          if (size > MAX_ANSWER_BYTES) return;
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) return void chunks.push(chunk);
          response.body.destroy();
          resolve(null);
        });
        response.body.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        response.body.on('error', reject);
      });
      if (text === null) return unreachable(`answer over ${MAX_ANSWER_BYTES} bytes`);
      return { kind: 'answered', answer: answerOf(response.statusCode, response.headers, text) };
    } catch (error) {
      if (deadline.signal.aborted) return unreachable(`no answer within ${timeoutMs} ms`);
      const code = (error as { code?: unknown }).code;
      return unreachable(`network error${typeof code === 'string' ? ` (${code})` : ''}`);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The client the service uses; one per process, so connections are shared by every adapter. */
export const providerPost: ProviderPost = createProviderPost();

function answerOf(status: number, headers: Record<string, string | string[] | undefined>, text: string): ProviderAnswer {
  return { status, headers: headerLookup(headers), text, json: parseJson(text) };
}

/** undici hands headers over with lower-case names. */
function headerLookup(headers: Record<string, string | string[] | undefined>): ProviderHeaders {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

function unreachable(reason: string): ProviderCallResult {
  return { kind: 'unreachable', reason };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
