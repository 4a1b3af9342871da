import { type FakeHttpServer, startFakeHttpServer } from './fake-http-server';

describe('fake HTTP server', () => {
  let server: FakeHttpServer;

  beforeEach(async () => {
    server = await startFakeHttpServer((request) => ({ status: 201, body: { path: request.path } }));
  });
  afterEach(() => server.close());

  it('listens on 127.0.0.1 and records each request parsed', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    await fetch(`${server.url}/a/b?x=1&y=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'X-Custom': 'v' },
      body: 'To=%2B8190&Body=hi',
    });
    await fetch(`${server.url}/json`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });

    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      path: '/a/b',
      query: { x: '1', y: '2' },
      rawBody: 'To=%2B8190&Body=hi',
      form: { To: '+8190', Body: 'hi' },
      json: undefined,
    });
    expect(server.requests[0]?.headers['x-custom']).toBe('v');
    expect(server.requests[1]).toMatchObject({ method: 'PUT', form: {}, json: { a: 1 } });
  });

  it('answers with the handler: JSON for objects, text for strings', async () => {
    const response = await fetch(`${server.url}/p`);
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ path: '/p' });

    const text = await startFakeHttpServer(() => ({ status: 200, body: 'plain', headers: { 'x-id': '7' } }));
    try {
      const answer = await fetch(text.url);
      expect(await answer.text()).toBe('plain');
      expect(answer.headers.get('x-id')).toBe('7');
    } finally {
      await text.close();
    }
  });

  it('answers a forced status for N requests, then recovers', async () => {
    server.behave({ mode: 'status', status: 429, headers: { 'retry-after': '3' }, body: { error: 'slow down' }, times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await fetch(server.url);
      statuses.push(response.status);
      if (response.status === 429) expect(response.headers.get('retry-after')).toBe('3');
      await response.arrayBuffer();
    }
    expect(statuses).toEqual([429, 429, 201]);
    expect(server.requests).toHaveLength(3);
  });

  it('keeps a behaviour without `times` until reset', async () => {
    server.behave({ mode: 'status', status: 500 });
    expect((await fetch(server.url)).status).toBe(500);
    expect((await fetch(server.url)).status).toBe(500);
    server.resetBehaviour();
    expect((await fetch(server.url)).status).toBe(201);
  });

  it('hangs: the request is recorded but never answered', async () => {
    server.behave({ mode: 'ok', hang: true, times: 1 });
    await expect(fetch(server.url, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(server.requests).toHaveLength(1);
    expect((await fetch(server.url)).status).toBe(201);
  });

  it('delays an answer without changing it', async () => {
    server.behave({ mode: 'ok', delayMs: 30, times: 1 });
    const response = await fetch(server.url);
    expect(response.status).toBe(201);
  });

  it('waits for the n-th request', async () => {
    const second = server.waitForRequest(2);
    await fetch(`${server.url}/one`);
    await fetch(`${server.url}/two`);
    expect((await second).path).toBe('/two');
    await expect(server.waitForRequest(3, 50)).rejects.toThrow('fake: request #3 did not arrive');
  });

  it('answers 500 when the handler throws', async () => {
    const failing = await startFakeHttpServer(() => {
      throw new Error('boom');
    });
    try {
      expect((await fetch(failing.url)).status).toBe(500);
    } finally {
      await failing.close();
    }
  });

  it('closes even with a request left hanging', async () => {
    const hanging = await startFakeHttpServer(() => ({ status: 200 }));
    hanging.behave({ mode: 'ok', hang: true });
    const pending = fetch(hanging.url).catch((error: unknown) => error);
    await hanging.waitForRequest(1);
    await hanging.close();
    expect(await pending).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
  });
});
