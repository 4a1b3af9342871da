// Every scenario the bench knows (SCENARIOS) and the order it runs them in (RUN_ORDER). A scenario:
//   name      the table's row label (and what --only selects)
//   target    the server that takes the load and whose CPU and memory are read: 'floor', 'gateway'
//             (NODE_ENV=production), 'gateway-limits-on' / 'gateway-limits-off' (NODE_ENV=development,
//             RATE_LIMITS unset / off) or 'better-auth'
//   request   (ctx, i) => the request connection i sends over and over: { headers?, body, path? }, or
//             an array of them sent in turn (autocannon request objects, so `setupRequest` and
//             `onResponse` may carry state such as a challenge id from one request to the next).
//             The runner adds POST, content-type: application/json and, unless given, path /graphql.
//   prepare   optional async (ctx) => void, run once before the warm-up (ctx.state is free to use)
//   check     optional (data) => problem string or null, applied to one probe response before the load
//             (GraphQL requests only, and not those built by setupRequest: prepare checks those itself)
//   duration  optional (options) => seconds, where the default --duration does not fit
//   requestCount  optional (ctx, phase) => how many requests the 'warmup' or 'measure' run sends,
//             instead of running for a duration (for requests that use up something prepared)
//   onMeasureStart  optional async (ctx, warmup) => void, called just before the measured run
//             (warmup: the warm-up's runLoad result, or null without one)
//   afterMeasure    optional async (ctx, result) => lines printed under the table, called after it
//             (result: lib/load.mjs runLoad's)
//   note      optional line printed under the table
// ctx, one per target: { url (the target's), options: { connections, duration, warmup }, receiver
//   (lib/sms-receiver.mjs: the gateways' WEBHOOK provider and Better Auth's sendOTP post there),
//   nextPhoneNumber() (a fresh +8190 mobile number, unique across targets), nextClientAddress() (a fresh
//   X-Forwarded-For address), state }; gateways add tenant: { slug, apiKey } and users: [{ loginId,
//   password, sessionToken }]; better-auth adds database (a pg Pool on its database).
import {
  BETTER_AUTH_CODE_LENGTH, betterAuthHeaders, insertUsersWithVerifiedNumbers, postBetterAuth, requestCodes, SEND_OTP_PATH, VERIFY_PATH,
} from './lib/better-auth-otp.mjs';
import { authHeaders, graphqlBody, postGraphql } from './lib/graphql-client.mjs';
import { requestsFor, requestsOfConnection, runLoad } from './lib/load.mjs';
import { prepareEnrolmentChallenges, signUpSmsUsers, startEnrolmentBody, usersForSends, verifyBody } from './lib/sms-challenges.mjs';
import { nowMs } from './lib/sms-receiver.mjs';

const pick = (list, i) => list[i % list.length];
const asUser = (ctx, i) => authHeaders({ tenant: ctx.tenant.slug, sessionToken: pick(ctx.users, i).sessionToken });

// The SMS scenarios' rate probes. A start probe runs long enough to leave its cold start behind (one
// user per connection, 100 sends each: enough below 50 starts per second per connection); each
// verification needs a code sent beforehand, so that probe is short.
const START_PROBE_SECONDS = 2;
const START_RATE_HEADROOM = 3;
const VERIFY_PROBE_REQUESTS_PER_CONNECTION = 8;
// How long the SMS of a measured start run may take to reach the receiver after it.
const HAND_OFF_WAIT_MS = 30_000;
// Sent only if a connection used up its prepared verifications, which the request counts rule out:
// they are refused (CHALLENGE_NOT_FOUND, or Better Auth's 400), so the mistake shows as errors.
const NO_CHALLENGE_LEFT = { challengeId: '00000000-0000-4000-8000-000000000000', code: '000000' };
const NO_BETTER_AUTH_CODE_LEFT = { phoneNumber: '+819000000000', code: '0'.repeat(BETTER_AUTH_CODE_LENGTH) };

const FLOOR_INSERT = graphqlBody('mutation($note: String!) { floorInsert(note: $note) }', { note: 'bench floor event' });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * startSmsChallenge on `target`: ENROLL_PHONE to a number nobody used before, for the next user of a
 * pool without phones, each user with its own client address; the pool is sized from a short probe run
 * so that no user reaches the send limit (SENDS_PER_USER) in the warm-up and run together, with room
 * for the run going START_RATE_HEADROOM times as fast as the probe (on a shared machine it can: a
 * sign-up costs far less than a refused run). The SMS hand-off of the measured run is reported under
 * the table.
 */
function smsStartScenario({ name, target, note }) {
  // A scenario that runs more than once (the limits pair) signs up users of its own each time.
  let runs = 0;
  const scenario = {
    name,
    target,
    async prepare(ctx) {
      const { connections, warmup, duration } = ctx.options;
      const run = ++runs;
      ctx.state.starting = { users: await signUpSmsUsers(ctx, ctx.url, connections, `bench-sms-start-probe-${run}`), sent: 0 };
      const [first] = ctx.state.starting.users;
      const started = await postGraphql(ctx.url, first.headers, startEnrolmentBody(first.phoneNumber));
      if (started.startSmsChallenge?.purpose !== 'ENROLL_PHONE') throw new Error(`startSmsChallenge answered ${JSON.stringify(started)}`);
      await ctx.receiver.take(first.phoneNumber, 10_000);

      const rate = await probeRateOf(scenario, ctx, { durationSeconds: START_PROBE_SECONDS });
      const users = await signUpSmsUsers(ctx, ctx.url, usersForSends(rate * (warmup + duration) * START_RATE_HEADROOM), `bench-sms-start-${run}`);
      ctx.state.starting = { users, sent: 0 };
    },
    request: (ctx) => {
      let phoneNumber = null;
      return {
        setupRequest: (request) => {
          const { users } = ctx.state.starting;
          const user = users[ctx.state.starting.sent++ % users.length];
          phoneNumber = ctx.nextPhoneNumber();
          return { ...request, headers: user.headers, body: startEnrolmentBody(phoneNumber) };
        },
        onResponse: (status, body) => {
          if (status === 200 && !body.includes('"errors"')) ctx.state.answeredAt?.set(phoneNumber, nowMs());
        },
      };
    },
    onMeasureStart: (ctx) => {
      ctx.state.answeredAt = new Map();
    },
    afterMeasure: (ctx) => handOffReport(name, ctx),
    note,
  };
  return scenario;
}

/**
 * A verification scenario: each request verifies, with the right code, one code sent before the run,
 * so each succeeds once. The probe, the warm-up and the measured run each send exactly the requests
 * prepared for them: the probe VERIFY_PROBE_REQUESTS_PER_CONNECTION per connection, the warm-up sized
 * from the probe's rate, the measured run from the faster of the probe's and the warm-up's, enough for
 * --duration seconds.
 * @param {{ name: string, target: string, note: string, noneLeft: (i: number) => object,
 *   queuesFor: (ctx: object, requestCount: number, phase: string) => Promise<object[][]> }} spec
 *   queuesFor: per connection, the requests (autocannon request fields: headers, body, path) for a run
 *   of `requestCount` (split as runLoad splits them); noneLeft: what connection i sends if its queue ran dry.
 */
function preparedVerificationScenario({ name, target, note, queuesFor, noneLeft }) {
  const scenario = {
    name,
    target,
    async prepare(ctx) {
      const { connections, warmup } = ctx.options;
      const probeCount = connections * VERIFY_PROBE_REQUESTS_PER_CONNECTION;
      ctx.state.verifying = { queues: await queuesFor(ctx, probeCount, 'probe') };
      const probeRate = await probeRateOf(scenario, ctx, { requestCount: probeCount });
      const warmupCount = warmup > 0 ? Math.max(connections, Math.round(probeRate * warmup)) : 0;
      ctx.state.verifying = { queues: await queuesFor(ctx, warmupCount, 'warmup'), warmupCount, probeRate };
    },
    async onMeasureStart(ctx, warmupResult) {
      const { connections, duration } = ctx.options;
      const verifying = ctx.state.verifying;
      // The faster of the two: a run sized from a rate slowed by other work ends early, one sized from
      // the true rate lasts --duration.
      const warmupRate = warmupResult?.completed ? warmupResult.completed / warmupResult.seconds : 0;
      verifying.sizingRate = Math.max(warmupRate, verifying.probeRate);
      verifying.measureCount = Math.max(connections, Math.round(verifying.sizingRate * duration));
      verifying.queues = await queuesFor(ctx, verifying.measureCount, 'measure');
    },
    request: (ctx, i) => ({
      setupRequest: (request) => ({ ...request, ...(ctx.state.verifying.queues[i].shift() ?? noneLeft(i)) }),
    }),
    requestCount: (ctx, phase) => (phase === 'warmup' ? ctx.state.verifying.warmupCount : ctx.state.verifying.measureCount),
    afterMeasure: (ctx, result) => [
      `${name}: ${result.sent} verifications in ${result.seconds.toFixed(1)} s, sized for --duration at ${ctx.state.verifying.sizingRate.toFixed(0)}/s ` +
        `(the faster of the probe's ${ctx.options.connections * VERIFY_PROBE_REQUESTS_PER_CONNECTION} verifications, at ${ctx.state.verifying.probeRate.toFixed(0)}/s, ` +
        `and the warm-up's ${ctx.state.verifying.warmupCount})`,
    ],
    note,
  };
  return scenario;
}

export const SCENARIOS = [
  {
    name: 'floor',
    target: 'floor',
    request: () => ({ body: FLOOR_INSERT }),
    check: (data) => (UUID.test(data.floorInsert ?? '') ? null : `floorInsert answered ${JSON.stringify(data)}`),
    note:
      'floor: a NestJS + Apollo mutation doing one INSERT (a floor_events row: uuid id, text, timestamp) through a pg pool of 10;\n' +
      '  it runs several times across the run, and "vs floor" is against the mean of those runs.',
  },
  {
    name: 'floor-select',
    target: 'floor',
    request: () => ({ body: graphqlBody('{ floor }') }),
    check: (data) => (data.floor === 1 ? null : `floor answered ${JSON.stringify(data)}`),
    note: 'floor-select: the same server answering a query with SELECT 1, for reference: what a read-only round trip costs.',
  },
  {
    name: 'me',
    target: 'gateway',
    request: (ctx, i) => ({
      headers: asUser(ctx, i),
      body: graphqlBody('{ me { user { id loginId maskedPhoneNumber } session { id aal amr authenticatedAt aal2VerifiedAt expiresAt } } }'),
    }),
    check: (data) => (data.me?.session?.aal === 'AAL1' ? null : `me answered ${JSON.stringify(data)}`),
  },
  {
    name: 'authorize',
    target: 'gateway',
    request: (ctx, i) => ({
      headers: asUser(ctx, i),
      body: graphqlBody('{ authorize(action: "payments.transfer") { action allowed reason requiredAal currentAal maxAgeSeconds } }'),
    }),
    // An AAL1 session against an AAL2 action: the refusal path, which is also audited.
    check: (data) =>
      data.authorize?.reason === 'STEP_UP_REQUIRED' && data.authorize.allowed === false
        ? null
        : `authorize answered ${JSON.stringify(data)}`,
    note: 'authorize: AAL1 sessions asking for payments.transfer (AAL2, 120 s), so every answer is STEP_UP_REQUIRED and audited.',
  },
  {
    name: 'login',
    target: 'gateway',
    request: (ctx, i) => {
      const { loginId, password } = pick(ctx.users, i);
      return {
        headers: authHeaders({ tenant: ctx.tenant.slug }),
        body: graphqlBody('mutation($input: LoginInput!) { login(input: $input) { sessionToken nextStep session { id aal } user { id } } }', {
          input: { loginId, password },
        }),
      };
    },
    check: (data) => (data.login?.sessionToken ? null : `login answered ${JSON.stringify(data)}`),
    duration: (options) => options.loginDuration,
    note: 'login: every request verifies an argon2id hash (19 MiB, t=2) by design, so its req/s is low; it runs for --login-duration seconds.',
  },
  smsStartScenario({
    name: 'startSmsChallenge',
    target: 'gateway',
    note:
      'startSmsChallenge: ENROLL_PHONE to a fresh +8190 number per request, users taking turns: the send limits, a challenge row,\n' +
      '  an outbox row claimed for the in-process dispatcher, which then POSTs each SMS to the local receiver; its CPU is in this row.',
  }),
  preparedVerificationScenario({
    name: 'verifySmsChallenge',
    target: 'gateway',
    // Each connection verifies its own queue of ENROLL_PHONE challenges, made beforehand for users of
    // its own (each re-enrolling its own number, at most SENDS_PER_USER times), codes read from the
    // receiver. A user who verified holds a phone (enrolling again would need AAL2), so each phase has
    // users of its own.
    queuesFor: async (ctx, requestCount, phase) =>
      (await verificationQueues(ctx, requestCount, `bench-sms-verify-${phase}`)).map((queue) =>
        queue.map(({ headers, challengeId, code }) => ({ headers, body: verifyBody(challengeId, code) })),
      ),
    noneLeft: () => ({ body: verifyBody(NO_CHALLENGE_LEFT.challengeId, NO_CHALLENGE_LEFT.code) }),
    note:
      'verifySmsChallenge: each request verifies, with the right code, one ENROLL_PHONE challenge prepared before the run for a number its\n' +
      '  user holds or is enrolling (no change notice is sent): spends the challenge, sets the phone and issues an AAL2 session beside the\n' +
      '  old one. The run ends when all are used; their number was sized from the probe and warm-up rates to last about --duration seconds.',
  }),
  {
    name: 'better-auth:sendOtp',
    target: 'better-auth',
    // Each request asks for a code to a number nobody used before; each connection is a client address
    // of its own. Better Auth stores the code, then awaits its sendOTP, which POSTs the SMS to the receiver.
    async prepare(ctx) {
      const phoneNumber = ctx.nextPhoneNumber();
      await postBetterAuth(ctx.url, SEND_OTP_PATH, betterAuthHeaders(ctx.nextClientAddress()), { phoneNumber });
      await ctx.receiver.take(phoneNumber, 10_000);
    },
    request: (ctx) => {
      const headers = betterAuthHeaders(ctx.nextClientAddress());
      let phoneNumber = null;
      return {
        path: SEND_OTP_PATH,
        setupRequest: (request) => {
          phoneNumber = ctx.nextPhoneNumber();
          return { ...request, headers, body: JSON.stringify({ phoneNumber }) };
        },
        onResponse: (status) => {
          if (status === 200) ctx.state.answered?.push(phoneNumber);
        },
      };
    },
    onMeasureStart: (ctx) => {
      ctx.state.answered = [];
    },
    afterMeasure: smsArrivalReport,
    note:
      'better-auth:sendOtp: POST /api/auth/phone-number/send-otp to a fresh +8190 number per request: Better Auth stores the code in its\n' +
      '  verification table and awaits sendOTP, which POSTs the SMS to the same receiver as the gateway\'s WEBHOOK provider.',
  },
  preparedVerificationScenario({
    name: 'better-auth:verify',
    target: 'better-auth',
    // One user per verification, holding a verified number; one code sent to each number before the
    // run (Better Auth keeps one code per number). Each connection is a client address of its own.
    queuesFor: (ctx, requestCount) => betterAuthVerificationQueues(ctx, requestCount),
    noneLeft: (i) => ({ path: VERIFY_PATH, headers: betterAuthHeaders(`10.255.255.${i % 250}`), body: JSON.stringify(NO_BETTER_AUTH_CODE_LEFT) }),
    note:
      'better-auth:verify: POST /api/auth/phone-number/verify with the right code, sent before the run, for a user who holds that number\n' +
      '  (a phone sign-in): spends the code, marks the number verified and creates a session. Sized like verifySmsChallenge.',
  }),
  smsStartScenario({
    name: 'startSmsChallenge (limits on)',
    target: 'gateway-limits-on',
    note: 'startSmsChallenge (limits on) / (limits off): the same requests on two NODE_ENV=development gateways, one with RATE_LIMITS=off.',
  }),
  smsStartScenario({ name: 'startSmsChallenge (limits off)', target: 'gateway-limits-off' }),
];

/**
 * The order of the runs: the floor at the start, the middle and the end (the table's ratios use the
 * mean of its runs), each Better Auth scenario beside its Honnin counterpart, the limits pair twice,
 * on-off then off-on (its ratio uses the mean of each side's runs).
 */
export const RUN_ORDER = [
  'floor',
  'better-auth:sendOtp',
  'startSmsChallenge',
  'better-auth:verify',
  'verifySmsChallenge',
  'floor',
  'me',
  'authorize',
  'login',
  'startSmsChallenge (limits on)',
  'startSmsChallenge (limits off)',
  'floor-select',
  'startSmsChallenge (limits off)',
  'startSmsChallenge (limits on)',
  'floor',
];

/**
 * Per connection, the challenges it verifies in a run of `requestCount` requests (split as
 * runLoad splits them), made for new users: as many per connection as the send limit requires.
 */
async function verificationQueues(ctx, requestCount, prefix) {
  const { connections } = ctx.options;
  const perConnection = Array.from({ length: connections }, (_, i) => requestsOfConnection(requestCount, connections, i));
  const usersOfConnection = perConnection.map((n) => (n === 0 ? 0 : usersForSends(n)));
  const users = await signUpSmsUsers(ctx, ctx.url, usersOfConnection.reduce((sum, n) => sum + n, 0), prefix);
  const counts = usersOfConnection.flatMap((n, i) => Array.from({ length: n }, (_, u) => requestsOfConnection(perConnection[i], n, u)));
  const prepared = await prepareEnrolmentChallenges({ gatewayUrl: ctx.url, users, counts, receiver: ctx.receiver });
  let nextUser = 0;
  return usersOfConnection.map((n) => prepared.slice(nextUser, (nextUser += n)).flat());
}

/** Per connection, Better Auth verify requests for a run of `requestCount`, each for a number of its own whose code was sent. */
async function betterAuthVerificationQueues(ctx, requestCount) {
  const { connections } = ctx.options;
  const phoneNumbers = Array.from({ length: requestCount }, () => ctx.nextPhoneNumber());
  await insertUsersWithVerifiedNumbers(ctx.database, phoneNumbers);
  const codes = await requestCodes({ url: ctx.url, phoneNumbers, clientAddress: ctx.nextClientAddress(), receiver: ctx.receiver });
  let next = 0;
  return Array.from({ length: connections }, (_, i) => {
    const headers = betterAuthHeaders(ctx.nextClientAddress());
    return codes.slice(next, (next += requestsOfConnection(requestCount, connections, i))).map((code) => ({ path: VERIFY_PATH, headers, body: JSON.stringify(code) }));
  });
}

/** Requests per second of a short run ({ durationSeconds } or { requestCount }) whose every request must succeed. */
async function probeRateOf(scenario, ctx, length) {
  const { connections } = ctx.options;
  const probe = await runLoad({ url: ctx.url, requests: (i) => requestsFor(scenario, ctx, i), connections, ...length });
  const errors = probe.failed + probe.socketErrors + probe.timeouts;
  if (errors > 0) throw new Error(`${scenario.name}: ${errors} of ${probe.sent} requests of the rate probe failed: ${probe.errorSamples.join(' | ')}`);
  if (probe.completed === 0) throw new Error(`${scenario.name}: no request of the rate probe was answered in ${probe.seconds} s`);
  return probe.completed / probe.seconds;
}

/**
 * How long each SMS of a measured start run took from its answer reaching the bench to its POST
 * reaching the receiver, and how long after the last answer the last SMS came.
 */
async function handOffReport(name, ctx) {
  const answeredAt = ctx.state.answeredAt;
  ctx.state.answeredAt = null;
  if (answeredAt.size === 0) return [`${name} hand-off: no start was answered during the measured run`];
  const deadline = nowMs() + HAND_OFF_WAIT_MS;
  const latencies = [];
  let lastArrivalAt = -Infinity;
  await Promise.all(
    [...answeredAt].map(async ([phoneNumber, at]) => {
      try {
        const sms = await ctx.receiver.take(phoneNumber, Math.max(1, deadline - nowMs()));
        latencies.push(sms.arrivedAtMs - at);
        lastArrivalAt = Math.max(lastArrivalAt, sms.arrivedAtMs);
      } catch {
        // counted below as not arrived
      }
    }),
  );
  const missing = answeredAt.size - latencies.length;
  if (latencies.length === 0) return [`${name} hand-off: none of the ${answeredAt.size} SMS reached the receiver within ${HAND_OFF_WAIT_MS / 1000} s`];
  latencies.sort((a, b) => a - b);
  const at = (share) => latencies[Math.ceil(share * latencies.length) - 1].toFixed(1);
  const lastAnswerAt = [...answeredAt.values()].reduce((latest, at) => Math.max(latest, at), -Infinity);
  return [
    `${name} hand-off, from the 2xx answer at the bench to the receiver getting the SMS POST, ${latencies.length} SMS: ` +
      `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms; the last SMS came ${(lastArrivalAt - lastAnswerAt).toFixed(0)} ms after the last answer` +
      (missing > 0 ? `; ${missing} did not arrive within ${HAND_OFF_WAIT_MS / 1000} s` : ''),
  ];
}

/** better-auth:sendOtp sends its SMS before it answers: checks that each answered request's SMS reached the receiver. */
async function smsArrivalReport(ctx) {
  const answered = ctx.state.answered;
  ctx.state.answered = null;
  const arrived = await Promise.all(answered.map((phoneNumber) => ctx.receiver.take(phoneNumber, 1000).then(() => true, () => false)));
  const missing = arrived.filter((ok) => !ok).length;
  return [
    `better-auth:sendOtp: ${answered.length - missing} of ${answered.length} answered requests' SMS had reached the receiver` +
      (missing > 0 ? `; ${missing} never came` : ' (sendOTP is awaited before the answer, so there is no hand-off to time)'),
  ];
}
