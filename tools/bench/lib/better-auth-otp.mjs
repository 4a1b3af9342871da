// Better Auth's phone-number endpoints as the bench calls them, and verifications prepared for its
// verify scenario: users who hold a verified number (the state a phone sign-up leaves), each sent one
// code through send-otp, the code read back from the receiver its sendOTP posts to.
import { codeInSms } from './sms-challenges.mjs';

export const SEND_OTP_PATH = '/api/auth/phone-number/send-otp';
export const VERIFY_PATH = '/api/auth/phone-number/verify';
export const BETTER_AUTH_CODE_LENGTH = 6;

// Codes requested at once while preparing: about the server's pool size.
const PREPARING_AT_ONCE = 10;

/** Headers of a JSON request from a client at `clientAddress` (X-Forwarded-For, read by Better Auth's limiter). */
export function betterAuthHeaders(clientAddress) {
  return { 'content-type': 'application/json', 'x-forwarded-for': clientAddress };
}

/** POSTs `body` as JSON to `url + path`; throws unless the answer is 2xx JSON. */
export async function postBetterAuth(url, path, headers, body) {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/**
 * Inserts one user per number, the number already verified: what Better Auth's own phone sign-up
 * (verify with signUpOnVerification) leaves, written directly to keep the preparation short.
 * @param {import('pg').Pool} database  Better Auth's database
 */
export async function insertUsersWithVerifiedNumbers(database, phoneNumbers) {
  if (phoneNumbers.length === 0) return;
  await database.query(
    `INSERT INTO "user" (id, name, email, "emailVerified", "phoneNumber", "phoneNumberVerified")
     SELECT gen_random_uuid()::text, n, 'bench' || n || '@example.com', false, n, true FROM unnest($1::text[]) AS n`,
    [phoneNumbers],
  );
}

/**
 * For each number, a code sent through send-otp and read from the receiver:
 * [{ phoneNumber, code }] in the order of `phoneNumbers`.
 */
export async function requestCodes({ url, phoneNumbers, clientAddress, receiver }) {
  const codes = new Array(phoneNumbers.length);
  let next = 0;
  const requestNext = async () => {
    for (let i = next++; i < phoneNumbers.length; i = next++) {
      const phoneNumber = phoneNumbers[i];
      await postBetterAuth(url, SEND_OTP_PATH, betterAuthHeaders(clientAddress), { phoneNumber });
      const sms = await receiver.take(phoneNumber);
      codes[i] = { phoneNumber, code: codeInSms(sms.body, BETTER_AUTH_CODE_LENGTH) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(PREPARING_AT_ONCE, phoneNumbers.length) }, requestNext));
  return codes;
}
