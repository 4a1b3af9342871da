import { type MediaSmsFake, startMediaSmsFake } from './media-sms.fake';

describe('Media SMS fake', () => {
  let fake: MediaSmsFake;
  const post = (fields: Record<string, string>, authorization?: string) =>
    fetch(`${fake.url}/api/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
      body: new URLSearchParams(fields).toString(),
    }).then(async (response) => [response.status, await response.text()]);
  const basic = () => `Basic ${Buffer.from(`${fake.account.username}:${fake.account.password}`).toString('base64')}`;
  const valid = { mobilenumber: '09012345678', smstext: 'hi', smsid: 'ref1' };

  beforeEach(async () => {
    fake = await startMediaSmsFake();
  });
  afterEach(() => fake.close());

  it('answers bare result codes with HTTP 200', async () => {
    expect(await post(valid, basic())).toEqual([200, '200']);
    expect(await post(valid, basic())).toEqual([200, '587']);
    expect(await post({ ...valid, smsid: 'ref2', mobilenumber: '0312345678' }, basic())).toEqual([200, '560']);
    expect(await post({ ...valid, smsid: 'ref3', smstext: '  ' }, basic())).toEqual([200, '585']);
    expect(await post(valid, 'Basic bm9wZTpub3Bl')).toEqual([200, '401']);
    expect(fake.accepted).toEqual([valid]);
  });

  it('also takes username and password as form fields', async () => {
    expect(await post({ ...valid, username: fake.account.username, password: fake.account.password })).toEqual([200, '200']);
    expect(await post({ ...valid, smsid: 'ref9', username: fake.account.username, password: 'wrong' })).toEqual([200, '401']);
  });

  it('answers a forced code for the requested number of sends', async () => {
    fake.answerCode('550', 2);
    expect(await post(valid, basic())).toEqual([200, '550']);
    expect(await post(valid, basic())).toEqual([200, '550']);
    expect(await post(valid, basic())).toEqual([200, '200']);
  });
});
