import { type FakeHttpServer, type FakeResponse, type RecordedRequest, startFakeHttpServer } from './fake-http-server';

export interface MediaSmsFakeAccount {
  username: string;
  password: string;
}

export interface MediaSmsAcceptedMessage {
  smsid: string;
  mobilenumber: string;
  smstext: string;
}

export interface MediaSmsFake extends FakeHttpServer {
  readonly account: MediaSmsFakeAccount;
  /** Messages accepted so far (duplicates of an smsid are not added again). */
  readonly accepted: MediaSmsAcceptedMessage[];
  /** Makes the next `times` sends (default 1) answer this bare result code with HTTP 200. */
  answerCode(code: string, times?: number): void;
}

export const DEFAULT_MEDIA_SMS_FAKE_ACCOUNT: MediaSmsFakeAccount = { username: 'honnin', password: 'fake-media-secret' };

/** `mobilenumber` values Media SMS takes for domestic sends: 11 digits, 020X/060X/070X/080X/090X, X 1-9. */
const DOMESTIC_MOBILE = /^0[2-9]0[1-9]\d{7}$/;
const MAX_TEXT_CHARACTERS = 670;

/**
 * A local Media SMS send API (`POST /api/`): HTTP Basic (or `username`/`password` fields), form fields
 * `mobilenumber`, `smstext`, `smsid`, answered by a bare result code with HTTP 200: 200 accepted,
 * 401 authentication, 560 bad number, 585 bad text, 587 duplicate smsid.
 */
export async function startMediaSmsFake(account: MediaSmsFakeAccount = DEFAULT_MEDIA_SMS_FAKE_ACCOUNT): Promise<MediaSmsFake> {
  const accepted: MediaSmsAcceptedMessage[] = [];
  const server = await startFakeHttpServer((request) => answer(request, account, accepted));
  return Object.assign(server, {
    account,
    accepted,
    answerCode(code: string, times = 1) {
      server.behave({ mode: 'status', status: 200, body: code, times });
    },
  });
}

function answer(request: RecordedRequest, account: MediaSmsFakeAccount, accepted: MediaSmsAcceptedMessage[]): FakeResponse {
  if (request.method !== 'POST' || request.path !== '/api/') return { status: 404, body: 'Not Found' };
  if (!authenticated(request, account)) return code('401');
  const { mobilenumber = '', smstext = '', smsid = '' } = request.form;
  if (!DOMESTIC_MOBILE.test(mobilenumber)) return code('560');
  if (smstext.trim() === '' || [...smstext].length > MAX_TEXT_CHARACTERS) return code('585');
  if (smsid !== '' && accepted.some((message) => message.smsid === smsid)) return code('587');
  accepted.push({ smsid, mobilenumber, smstext });
  return code('200');
}

function authenticated(request: RecordedRequest, account: MediaSmsFakeAccount): boolean {
  const header = request.headers['authorization'] ?? '';
  if (header.startsWith('Basic ')) {
    return Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8') === `${account.username}:${account.password}`;
  }
  return request.form['username'] === account.username && request.form['password'] === account.password;
}

function code(resultCode: string): FakeResponse {
  return { status: 200, body: resultCode };
}
