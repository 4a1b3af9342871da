import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import type { ProviderAnswer, ProviderCallResult, ProviderHeaders, ProviderPost } from '../../port/sms-provider.port';

/** A provider's answer larger than this is no answer: they are a few hundred bytes of JSON. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * `ProviderPost` on undici's connection pools, keeping connections to each provider open between
 * messages (a TLS handshake per SMS would cost more than the send). The answer is read by a dispatch
 * handler, without the stream, AbortSignal and listeners of undici's `request()`: measured here, a POST
 * costs a third less CPU than through `request()`, which itself costs a sixth of what `fetch` spends;
 * that matters to a dispatcher sending hundreds a second. Redirects are never followed.
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
    return new Promise<ProviderCallResult>((resolve) => {
      const answer = new AnswerReader(resolve, timeoutMs);
      try {
        agent.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'POST', headers: request.headers, body: request.body }, answer);
      } catch (error) {
        answer.onResponseError(null, error as Error);
      }
    });
  };
}

/** Reads one answer whole, under a deadline and a size limit, and settles with it once. */
class AnswerReader implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly resolve: (result: ProviderCallResult) => void,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(() => this.giveUp(`no answer within ${timeoutMs} ms`), timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Given up while the request waited for a connection: it need not go out.
    if (this.settled) controller.abort(new Error('given up'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (this.size > MAX_ANSWER_BYTES) return this.giveUp(`answer over ${MAX_ANSWER_BYTES} bytes`);
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.settle({ kind: 'answered', answer: answerOf(this.status, this.headers, Buffer.concat(this.chunks).toString('utf8')) });
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    const code = (error as { code?: unknown }).code;
    this.settle(unreachable(`network error${typeof code === 'string' ? ` (${code})` : ''}`));
  }

  private giveUp(reason: string): void {
    this.settle(unreachable(reason));
    this.controller?.abort(new Error(reason));
  }

  private settle(result: ProviderCallResult): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.resolve(result);
  }
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
