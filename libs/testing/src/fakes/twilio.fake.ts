import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { type FakeHttpServer, type FakeResponse, type RecordedRequest, startFakeHttpServer } from './fake-http-server';

export interface TwilioFakeAccount {
  accountSid: string;
  authToken: string;
  /** The Verify Service the fake knows. */
  serviceSid: string;
}

export const DEFAULT_TWILIO_FAKE_ACCOUNT: TwilioFakeAccount = {
  accountSid: `AC${'1'.repeat(32)}`,
  authToken: 'fake-twilio-auth-token',
  serviceSid: `VA${'2'.repeat(32)}`,
};

export interface TwilioFakeMessage {
  sid: string;
  to: string;
  from?: string;
  messagingServiceSid?: string;
  body: string;
  statusCallback?: string;
  status: 'queued' | 'accepted';
}

export interface TwilioFakeVerification {
  sid: string;
  to: string;
  channel: string;
  locale?: string;
  /** The code "texted" to the phone. */
  code: string;
  status: 'pending' | 'approved' | 'canceled' | 'max_attempts_reached' | 'expired';
  sendCount: number;
  checkCount: number;
  createdAt: number;
}

export interface TwilioFakeOptions {
  account?: TwilioFakeAccount;
  codeLength?: number;
  /** Clock (ms) for verification expiry and the send window. */
  now?: () => number;
}

export interface TwilioFake extends FakeHttpServer {
  readonly account: TwilioFakeAccount;
  readonly messages: TwilioFakeMessage[];
  readonly verifications: TwilioFakeVerification[];
  /** Texts a phone has received so far, oldest first (Messages bodies and Verify code texts). */
  inbox(to: string): string[];
  /** The code of the latest verification sent to `to`, as the phone would show it. */
  lastCodeSentTo(to: string): string | undefined;
  /** Makes the next `times` requests (default 1) answer Twilio's error body for `code`. */
  failWith(code: number, options?: { status?: number; times?: number; retryAfter?: string }): void;
  /** POSTs a status callback form to `url`, signed like Twilio with the account's auth token. */
  sendStatusCallback(url: string, params: Record<string, string>, options?: { authToken?: string }): Promise<number>;
}

const VERIFICATION_TTL_MS = 10 * 60_000;
const SEND_WINDOW_MS = 10 * 60_000;
const MAX_SENDS_PER_WINDOW = 5;
const MAX_CHECKS = 5;
const MAX_BODY_LENGTH = 1600;
const E164 = /^\+[1-9]\d{6,14}$/;

/** The HTTP status Twilio answers each documented error code with. */
const STATUS_BY_CODE: Readonly<Record<number, number>> = {
  20003: 401,
  20404: 404,
  20429: 429,
  60202: 429,
  60203: 429,
  60410: 403,
};

const MESSAGE_BY_CODE: Readonly<Record<number, string>> = {
  20003: 'Authenticate',
  20404: 'The requested resource was not found',
  20429: 'Too Many Requests',
  21211: "Invalid 'To' Phone Number",
  21408: 'Permission to send an SMS has not been enabled for the region indicated by the To number',
  21602: 'Message body is required',
  21603: "The 'From' number is required",
  21610: 'Attempt to send to unsubscribed recipient',
  21614: "'To' number is not a valid mobile number",
  21617: 'The concatenated message body exceeds the 1600 character limit',
  60200: 'Invalid parameter',
  60202: 'Max check attempts reached',
  60203: 'Max send attempts reached',
  60410: 'Verification delivery attempt blocked',
};

/** Twilio's documented error body. */
export function twilioErrorBody(code: number, status = STATUS_BY_CODE[code] ?? 400, message?: string) {
  return {
    code,
    message: message ?? MESSAGE_BY_CODE[code] ?? 'Error',
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
  };
}

/** X-Twilio-Signature, written out independently of the adapter's own check. */
export function signTwilioRequest(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((payload, name) => payload + name + params[name], url);
  return createHmac('sha1', authToken).update(data).digest('base64');
}

/** A local Twilio: Programmable Messaging (`/2010-04-01/...`) and Verify v2 (`/v2/Services/...`) on one port. */
export async function startTwilioFake(options: TwilioFakeOptions = {}): Promise<TwilioFake> {
  const account = options.account ?? DEFAULT_TWILIO_FAKE_ACCOUNT;
  const now = options.now ?? Date.now;
  const codeLength = options.codeLength ?? 6;
  const state: FakeState = { account, now, codeLength, messages: [], verifications: [], texts: [], sendTimes: new Map() };

  const server = await startFakeHttpServer((request) => route(request, state));

  return Object.assign(server, {
    account,
    messages: state.messages,
    verifications: state.verifications,
    inbox: (to: string) => state.texts.filter((text) => text.to === to).map((text) => text.body),
    lastCodeSentTo: (to: string) => state.verifications.filter((verification) => verification.to === to).at(-1)?.code,
    failWith(code: number, failure: { status?: number; times?: number; retryAfter?: string } = {}) {
      const status = failure.status ?? STATUS_BY_CODE[code] ?? 400;
      server.behave({
        mode: 'status',
        status,
        body: twilioErrorBody(code, status),
        headers: failure.retryAfter ? { 'retry-after': failure.retryAfter } : undefined,
        times: failure.times ?? 1,
      });
    },
    async sendStatusCallback(url: string, params: Record<string, string>, signing: { authToken?: string } = {}) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signTwilioRequest(signing.authToken ?? account.authToken, url, params),
        },
        body: new URLSearchParams(params).toString(),
      });
      await response.arrayBuffer();
      return response.status;
    },
  });
}

interface FakeState {
  account: TwilioFakeAccount;
  now: () => number;
  codeLength: number;
  messages: TwilioFakeMessage[];
  verifications: TwilioFakeVerification[];
  texts: Array<{ to: string; body: string }>;
  sendTimes: Map<string, number[]>;
}

function error(code: number, status?: number): FakeResponse {
  const body = twilioErrorBody(code, status);
  return { status: body.status, body };
}

function route(request: RecordedRequest, state: FakeState): FakeResponse {
  const expected = `Basic ${Buffer.from(`${state.account.accountSid}:${state.account.authToken}`).toString('base64')}`;
  if (request.headers['authorization'] !== expected) return error(20003);
  if (request.method !== 'POST') return error(20404, 404);

  if (request.path === `/2010-04-01/Accounts/${state.account.accountSid}/Messages.json`) return createMessage(request.form, state);
  if (request.path === `/v2/Services/${state.account.serviceSid}/Verifications`) return startVerification(request.form, state);
  if (request.path === `/v2/Services/${state.account.serviceSid}/VerificationCheck`) return checkVerification(request.form, state);
  return error(20404, 404);
}

function sid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

function createMessage(form: Record<string, string>, state: FakeState): FakeResponse {
  const { To: to, From: from, MessagingServiceSid: messagingServiceSid, Body: body, StatusCallback: statusCallback } = form;
  if (!to || !E164.test(to)) return error(21211);
  if (!from && !messagingServiceSid) return error(21603);
  if (!body) return error(21602);
  if (body.length > MAX_BODY_LENGTH) return error(21617);
  const message: TwilioFakeMessage = {
    sid: sid('SM'),
    to,
    from,
    messagingServiceSid,
    body,
    statusCallback,
    status: messagingServiceSid ? 'accepted' : 'queued',
  };
  state.messages.push(message);
  state.texts.push({ to, body });
  return {
    status: 201,
    body: {
      sid: message.sid,
      account_sid: state.account.accountSid,
      to,
      from: from ?? null,
      messaging_service_sid: messagingServiceSid ?? null,
      body,
      status: message.status,
      num_segments: '1',
      error_code: null,
      error_message: null,
      date_created: new Date(state.now()).toUTCString(),
      uri: `/2010-04-01/Accounts/${state.account.accountSid}/Messages/${message.sid}.json`,
    },
  };
}

function verificationBody(verification: TwilioFakeVerification, state: FakeState) {
  return {
    sid: verification.sid,
    service_sid: state.account.serviceSid,
    account_sid: state.account.accountSid,
    to: verification.to,
    channel: verification.channel,
    status: verification.status,
    valid: verification.status === 'approved',
    date_created: new Date(verification.createdAt).toISOString(),
  };
}

function expireOld(state: FakeState): void {
  for (const verification of state.verifications) {
    if (verification.status === 'pending' && state.now() - verification.createdAt >= VERIFICATION_TTL_MS) {
      verification.status = 'expired';
    }
  }
}

function startVerification(form: Record<string, string>, state: FakeState): FakeResponse {
  const { To: to, Channel: channel, Locale: locale } = form;
  if (!to || !E164.test(to) || channel !== 'sms') return error(60200);
  const recentSends = (state.sendTimes.get(to) ?? []).filter((at) => state.now() - at < SEND_WINDOW_MS);
  if (recentSends.length >= MAX_SENDS_PER_WINDOW) return error(60203);
  state.sendTimes.set(to, [...recentSends, state.now()]);

  expireOld(state);
  // Like Twilio, a new start while a verification is pending re-sends the same code.
  let verification = state.verifications.find((candidate) => candidate.to === to && candidate.status === 'pending');
  if (verification) {
    verification.sendCount += 1;
  } else {
    verification = {
      sid: sid('VE'),
      to,
      channel,
      locale,
      code: String(randomInt(10 ** state.codeLength)).padStart(state.codeLength, '0'),
      status: 'pending',
      sendCount: 1,
      checkCount: 0,
      createdAt: state.now(),
    };
    state.verifications.push(verification);
  }
  state.texts.push({ to, body: `Your verification code is: ${verification.code}` });
  return { status: 201, body: verificationBody(verification, state) };
}

function checkVerification(form: Record<string, string>, state: FakeState): FakeResponse {
  const { To: to, VerificationSid: verificationSid, Code: code } = form;
  if (!code || (!to && !verificationSid)) return error(60200);
  expireOld(state);
  const verification = state.verifications.find((candidate) =>
    verificationSid ? candidate.sid === verificationSid : candidate.to === to && candidate.status === 'pending',
  );
  if (!verification || verification.status !== 'pending') return error(20404, 404);
  if (!/^\d{4,10}$/.test(code)) return error(60200);
  if (verification.checkCount >= MAX_CHECKS) {
    verification.status = 'max_attempts_reached';
    return error(60202);
  }
  verification.checkCount += 1;
  if (code === verification.code) verification.status = 'approved';
  return { status: 200, body: verificationBody(verification, state) };
}
