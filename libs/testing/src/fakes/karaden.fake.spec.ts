import { type KaradenFake, startKaradenFake } from './karaden.fake';

describe('Karaden fake', () => {
  let fake: KaradenFake;
  const path = () => `${fake.url}/api/${fake.account.tenantId}/messages`;
  const headers = (overrides: Record<string, string> = {}) => ({
    authorization: `Bearer ${fake.account.token}`,
    'karaden-version': '2023-01-01',
    'content-type': 'application/x-www-form-urlencoded',
    ...overrides,
  });
  const form = (fields: Record<string, string>) => new URLSearchParams({ service_id: '1', to: '09012345678', body: 'hi', ...fields }).toString();

  beforeEach(async () => {
    fake = await startKaradenFake();
  });
  afterEach(() => fake.close());

  it('answers a message object and keeps every tag', async () => {
    const response = await fetch(path(), { method: 'POST', headers: headers(), body: `${form({})}&tags[]=a&tags[]=b` });
    expect(response.status).toBe(200);
    const message = (await response.json()) as { id: string; object: string; to: string; tags: string[] };
    expect(message).toMatchObject({ object: 'message', to: '09012345678', tags: ['a', 'b'] });
    expect(fake.messages.get(message.id)?.status).toBe('waiting');
  });

  it.each([
    ['a missing Karaden-Version header', { 'karaden-version': '' }, 400, 'bad_request'],
    ['a wrong token', { authorization: 'Bearer nope' }, 401, 'unauthorized'],
    ['a JSON body', { 'content-type': 'application/json' }, 400, 'bad_request'],
  ])('refuses %s', async (_label, override, status, code) => {
    const response = await fetch(path(), { method: 'POST', headers: headers(override), body: form({}) });
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ object: 'error', code });
  });

  it('refuses an E.164 `to` with 422 naming the field', async () => {
    const response = await fetch(path(), { method: 'POST', headers: headers(), body: form({ to: '+819012345678' }) });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ object: 'error', errors: { to: [expect.any(String)] } });
    expect(fake.messages.size).toBe(0);
  });

  it('answers the forced error object once, then normally again', async () => {
    fake.failWith({ status: 429, code: 'too_many_requests' });
    expect((await fetch(path(), { method: 'POST', headers: headers(), body: form({}) })).status).toBe(429);
    expect((await fetch(path(), { method: 'POST', headers: headers(), body: form({}) })).status).toBe(200);
  });
});
