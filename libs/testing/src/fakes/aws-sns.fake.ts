import { randomUUID } from 'node:crypto';
import { type FakeHttpServer, type FakeResponse, type RecordedRequest, startFakeHttpServer } from './fake-http-server';

export interface AwsSnsFakeAccount {
  accessKeyId: string;
}

export interface AwsSnsPublished {
  messageId: string;
  phoneNumber: string;
  message: string;
  /** Message attributes by name, string values only. */
  attributes: Record<string, string>;
}

export interface AwsSnsFakeError {
  code: string;
  status: number;
  type?: 'Sender' | 'Receiver';
  message?: string;
  times?: number;
}

export interface AwsSnsFake extends FakeHttpServer {
  readonly account: AwsSnsFakeAccount;
  readonly published: AwsSnsPublished[];
  /** Numbers that answer `OptedOut`, as SNS does for a number that replied STOP. */
  readonly optedOut: Set<string>;
  /** Makes the next `times` requests (default 1) answer an ErrorResponse with this code and status. */
  failWith(error: AwsSnsFakeError): void;
}

export const DEFAULT_AWS_SNS_FAKE_ACCOUNT: AwsSnsFakeAccount = { accessKeyId: 'AKIAFAKEHONNIN00TEST' };

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const XML_HEADERS = { 'content-type': 'text/xml' };

/** The Query API's `ErrorResponse` document. */
export function awsSnsErrorXml(type: string, code: string, message: string): string {
  return (
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`
  );
}

/**
 * A local SNS Query API that understands `Action=Publish` to a phone number. It does not verify SigV4
 * signatures, only that a SigV4 Authorization header names the expected access key id.
 */
export async function startAwsSnsFake(account: AwsSnsFakeAccount = DEFAULT_AWS_SNS_FAKE_ACCOUNT): Promise<AwsSnsFake> {
  const published: AwsSnsPublished[] = [];
  const optedOut = new Set<string>();
  const server = await startFakeHttpServer((request) => answer(request, account, published, optedOut));
  return Object.assign(server, {
    account,
    published,
    optedOut,
    failWith(error: AwsSnsFakeError) {
      server.behave({
        mode: 'status',
        status: error.status,
        headers: XML_HEADERS,
        body: awsSnsErrorXml(error.type ?? (error.status >= 500 ? 'Receiver' : 'Sender'), error.code, error.message ?? 'forced by the fake'),
        times: error.times ?? 1,
      });
    },
  });
}

function answer(
  request: RecordedRequest,
  account: AwsSnsFakeAccount,
  published: AwsSnsPublished[],
  optedOut: Set<string>,
): FakeResponse {
  const authorization = request.headers['authorization'] ?? '';
  if (!authorization.startsWith(`AWS4-HMAC-SHA256 Credential=${account.accessKeyId}/`)) {
    return error(403, 'Sender', 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  }
  const form = request.form;
  if (request.method !== 'POST' || request.path !== '/' || form['Version'] !== '2010-03-31') {
    return error(400, 'Sender', 'InvalidAction', 'The action or operation requested is invalid.');
  }
  if (form['Action'] !== 'Publish') return error(400, 'Sender', 'InvalidAction', `Unsupported action ${form['Action']}`);
  const phoneNumber = form['PhoneNumber'] ?? '';
  if (!/^\+[1-9]\d{6,14}$/.test(phoneNumber)) {
    return error(400, 'Sender', 'InvalidParameter', 'Invalid parameter: PhoneNumber Reason: input incorrectly formatted');
  }
  const message = form['Message'] ?? '';
  if (message === '') return error(400, 'Sender', 'InvalidParameter', 'Invalid parameter: Empty message');
  if (optedOut.has(phoneNumber)) return error(400, 'Sender', 'OptedOut', 'Phone number is opted out');

  const messageId = randomUUID();
  published.push({ messageId, phoneNumber, message, attributes: attributesOf(form) });
  return {
    status: 200,
    headers: XML_HEADERS,
    body:
      `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult>` +
      `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
  };
}

/** `MessageAttributes.entry.N.Name` / `.Value.StringValue` pairs of the Query API, by name. */
function attributesOf(form: Record<string, string>): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (let n = 1; form[`MessageAttributes.entry.${n}.Name`] !== undefined; n += 1) {
    attributes[form[`MessageAttributes.entry.${n}.Name`]] = form[`MessageAttributes.entry.${n}.Value.StringValue`] ?? '';
  }
  return attributes;
}

function error(status: number, type: string, code: string, message: string): FakeResponse {
  return { status, headers: XML_HEADERS, body: awsSnsErrorXml(type, code, message) };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
