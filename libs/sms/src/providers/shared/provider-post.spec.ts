import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { createProviderPost } from './provider-post';

/** A local server answering each request with `answer`; records what it was sent. */
async function serve(answer: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const received: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string; socket: unknown }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body, socket: req.socket });
      answer(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('providerPost (undici)', () => {
  const post = createProviderPost();
  let server: Awaited<ReturnType<typeof serve>> | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('POSTs the body and headers, and answers status, headers (any case), text and JSON', async () => {
    server = await serve((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'Retry-After': '7' });
      res.end('{"id":"m-1"}');
    });
    const result = await post({ url: `${server.url}/send?x=1`, headers: { 'content-type': 'application/json', 'x-sig': 'v1=abc' }, body: '{"to":"+81…"}' }, 2000);
    expect(result).toMatchObject({ kind: 'answered', answer: { status: 429, text: '{"id":"m-1"}', json: { id: 'm-1' } } });
    if (result.kind !== 'answered') throw new Error('not answered');
    expect(result.answer.headers.get('RETRY-AFTER')).toBe('7');
    expect(result.answer.headers.get('x-missing')).toBeNull();
    expect(server.received[0]).toMatchObject({ method: 'POST', url: '/send?x=1', body: '{"to":"+81…"}', headers: { 'x-sig': 'v1=abc', 'content-type': 'application/json' } });
  });

  it('keeps the connection to a provider open between messages', async () => {
    server = await serve((_req, res) => res.end('ok'));
    for (let i = 0; i < 10; i++) expect((await post({ url: server.url, headers: {}, body: `${i}` }, 2000)).kind).toBe('answered');
    // One after the other, ten messages need a connection or two, not ten.
    expect(new Set(server.received.map((r) => r.socket)).size).toBeLessThanOrEqual(2);
  });

  it('does not follow a redirect: the 3xx is the answer', async () => {
    server = await serve((_req, res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
      res.end();
    });
    const result = await post({ url: server.url, headers: {}, body: '' }, 2000);
    expect(result).toMatchObject({ kind: 'answered', answer: { status: 302, json: undefined } });
    expect(server.received).toHaveLength(1);
  });

  it('gives up at the deadline when the provider does not answer', async () => {
    server = await serve(() => undefined);
    const started = Date.now();
    expect(await post({ url: server.url, headers: {}, body: '' }, 150)).toEqual({ kind: 'unreachable', reason: 'no answer within 150 ms' });
    expect(Date.now() - started).toBeLessThan(5000);
    // The request is abandoned, not left holding a connection the provider may still answer on.
    const socket = server.received[0].socket as Socket;
    await new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
  });

  it('gives up when the answer does not end before the deadline either', async () => {
    server = await serve((_req, res) => res.write('{"partial":'));
    expect(await post({ url: server.url, headers: {}, body: '' }, 150)).toEqual({ kind: 'unreachable', reason: 'no answer within 150 ms' });
  });

  it('refuses an answer of more than a megabyte', async () => {
    server = await serve((_req, res) => res.end(Buffer.alloc(1024 * 1024 + 1, 'a')));
    expect(await post({ url: server.url, headers: {}, body: '' }, 5000)).toEqual({ kind: 'unreachable', reason: 'answer over 1048576 bytes' });
  });

  it('names the network error when nobody listens, and refuses what is not an http(s) URL', async () => {
    const closed = await serve(() => undefined);
    await closed.close();
    expect(await post({ url: closed.url, headers: {}, body: '' }, 2000)).toEqual({ kind: 'unreachable', reason: 'network error (ECONNREFUSED)' });
    expect(await post({ url: 'ftp://127.0.0.1/x', headers: {}, body: '' }, 2000)).toEqual({ kind: 'unreachable', reason: 'network error (not an http(s) URL)' });
    expect(await post({ url: 'not a url', headers: {}, body: '' }, 2000)).toEqual({ kind: 'unreachable', reason: 'network error (invalid URL)' });
  });
});
