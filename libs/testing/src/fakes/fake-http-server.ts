import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake received it, parsed enough for contract assertions. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  rawBody: string;
  /** The body parsed as application/x-www-form-urlencoded (empty for other content types). */
  form: Record<string, string>;
  /** The body parsed as JSON when it is JSON, else undefined. */
  json: unknown;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
}

export type FakeHandler = (request: RecordedRequest) => FakeResponse | Promise<FakeResponse>;

/**
 * How the fake answers the next requests, shared by every fake server:
 * - `ok`: the fake's own handler answers (optionally after `delayMs`, or never with `hang`);
 * - `status`: answer `status` with `body`/`headers` instead (a 500, a 429 with Retry-After, ...).
 * `times` limits the behaviour to the next N requests, after which the fake answers normally again.
 */
export interface FakeBehaviour {
  mode: 'ok' | 'status';
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Never answer (the connection stays open until the client gives up or the fake closes). */
  hang?: boolean;
  times?: number;
}

export interface FakeHttpServer {
  /** `http://127.0.0.1:<port>` without a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Every request received, oldest first (hung and failed ones included). */
  readonly requests: RecordedRequest[];
  behave(behaviour: FakeBehaviour): void;
  /** Back to normal answers. */
  resetBehaviour(): void;
  /** Resolves with the n-th request (1-based) once it has arrived. */
  waitForRequest(count: number, timeoutMs?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

const NORMAL: FakeBehaviour = { mode: 'ok' };

export async function startFakeHttpServer(handler: FakeHandler): Promise<FakeHttpServer> {
  const requests: RecordedRequest[] = [];
  const waiters: Array<() => void> = [];
  let behaviour: FakeBehaviour = NORMAL;
  let remaining = Infinity;

  function takeBehaviour(): FakeBehaviour {
    const current = behaviour;
    if (current !== NORMAL) {
      remaining -= 1;
      if (remaining <= 0) {
        behaviour = NORMAL;
        remaining = Infinity;
      }
    }
    return current;
  }

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const recorded = recordRequest(req, rawBody);
    requests.push(recorded);
    waiters.splice(0).forEach((wake) => wake());

    const current = takeBehaviour();
    if (current.hang) return;
    if (current.delayMs) await new Promise((resolve) => setTimeout(resolve, current.delayMs));
    const response: FakeResponse =
      current.mode === 'status'
        ? { status: current.status ?? 500, headers: current.headers, body: current.body }
        : await handler(recorded);
    writeResponse(res, response, current.mode === 'ok' ? current.headers : undefined);
  }

  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => {
      if (!res.headersSent) writeResponse(res, { status: 500, body: { message: String(error) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    behave(next) {
      const times = next.times ?? Infinity;
      behaviour = times > 0 ? { ...next } : NORMAL;
      remaining = times > 0 ? times : Infinity;
    },
    resetBehaviour() {
      behaviour = NORMAL;
      remaining = Infinity;
    },
    waitForRequest(count, timeoutMs = 2000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fake: request #${count} did not arrive`)), timeoutMs);
        const check = (): void => {
          const found = requests[count - 1];
          if (found) {
            clearTimeout(timer);
            resolve(found);
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function recordRequest(req: IncomingMessage, rawBody: string): RecordedRequest {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const contentType = headers['content-type'] ?? '';
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    rawBody,
    form: contentType.includes('application/x-www-form-urlencoded')
      ? Object.fromEntries(new URLSearchParams(rawBody))
      : {},
    json: parseJson(rawBody),
  };
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function writeResponse(res: ServerResponse, response: FakeResponse, extraHeaders?: Record<string, string>): void {
  const isText = typeof response.body === 'string';
  const payload = response.body === undefined ? '' : isText ? (response.body as string) : JSON.stringify(response.body);
  res.writeHead(response.status, {
    'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json',
    ...extraHeaders,
    ...response.headers,
  });
  res.end(payload);
}
