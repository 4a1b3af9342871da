// SMS challenges for the bench: users to send them, fresh Japanese mobile numbers, the two GraphQL
// mutations, and codes read back from what the local receiver got.
import { SENDS_PER_USER, signUpUsers } from './gateway-setup.mjs';
import { authHeaders, graphqlBody, postGraphql } from './graphql-client.mjs';

export const START_ENROLMENT = 'mutation($input: StartSmsChallengeInput!) { startSmsChallenge(input: $input) { id purpose codeLength deliveryStatus } }';
export const VERIFY_CHALLENGE =
  'mutation($input: VerifySmsChallengeInput!) { verifySmsChallenge(input: $input) { sessionToken session { id aal } user { id } } }';

// Users prepared at once. Each user's challenges start one after another, each once the previous SMS
// arrived (a hand-off of tens of milliseconds), so preparing is bound by that wait unless many users
// are prepared together; more than the pool size only queue for a connection.
const PREPARING_AT_ONCE = 32;

/** Distinct numbers +8190 1000 0000, +8190 1000 0001, …: mobile (090) numbers nobody in the bench holds yet. */
export function japaneseMobileNumbers() {
  let issued = 0;
  return () => `+8190${10_000_000 + issued++}`;
}

/** Distinct client addresses 10.0.0.1, 10.0.0.2, …, sent as X-Forwarded-For (the bench gateways trust one proxy hop). */
export function clientAddresses() {
  let issued = 1;
  return () => {
    const n = issued++;
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  };
}

/**
 * Signs up `count` users without a phone, each given a number of its own (`phoneNumber`) and a client
 * address of its own, so that no send limit but the per-user one (SENDS_PER_USER) is shared.
 * @returns {Promise<{ phoneNumber: string, headers: Record<string, string> }[]>} headers: its requests' headers.
 */
export async function signUpSmsUsers(ctx, gatewayUrl, count, prefix) {
  const users = await signUpUsers(gatewayUrl, ctx.tenant.slug, count, prefix);
  return users.map((user) => ({
    phoneNumber: ctx.nextPhoneNumber(),
    headers: { ...authHeaders({ tenant: ctx.tenant.slug, sessionToken: user.sessionToken }), 'x-forwarded-for': ctx.nextClientAddress() },
  }));
}

/** Users needed to send `sends` SMS within the per-user limit. */
export function usersForSends(sends) {
  return Math.max(1, Math.ceil(sends / SENDS_PER_USER));
}

export function startEnrolmentBody(phoneNumber) {
  return graphqlBody(START_ENROLMENT, { input: { purpose: 'ENROLL_PHONE', phoneNumber } });
}

export function verifyBody(challengeId, code) {
  return graphqlBody(VERIFY_CHALLENGE, { input: { challengeId, code } });
}

/** The one run of exactly `length` digits in an SMS text (the template's other numbers, such as minutes, are shorter). */
export function codeInSms(text, length) {
  const code = new RegExp(`(?<!\\d)\\d{${length}}(?!\\d)`).exec(text)?.[0];
  if (!code) throw new Error(`no ${length}-digit code in the SMS ${JSON.stringify(text)}`);
  return code;
}

/**
 * Starts `counts[i]` (at most SENDS_PER_USER) ENROLL_PHONE challenges for each user i, all to that
 * user's own number, and reads each code from the receiver. A user's challenges start one after
 * another, each once the previous SMS arrived, so the receiver's order per number is the challenges'
 * order; a few users are prepared in parallel. Returns, per user, [{ headers, challengeId, code }]
 * in start order (headers: the user's, which a verification of that challenge must carry).
 */
export async function prepareEnrolmentChallenges({ gatewayUrl, users, counts, receiver }) {
  const prepared = users.map(() => []);
  let next = 0;
  const prepareNext = async () => {
    for (let i = next++; i < users.length; i = next++) {
      const { headers, phoneNumber } = users[i];
      for (let n = 0; n < counts[i]; n++) {
        const started = (await postGraphql(gatewayUrl, headers, startEnrolmentBody(phoneNumber))).startSmsChallenge;
        const sms = await receiver.take(phoneNumber);
        prepared[i].push({ headers, challengeId: started.id, code: codeInSms(sms.body, started.codeLength) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PREPARING_AT_ONCE, users.length) }, prepareNext));
  return prepared;
}
