// Every scenario the bench runs, in order. Add one by appending an entry:
//   name      the table's row label (and what --only selects)
//   target    'gateway' or 'floor': which server takes the load and whose CPU and memory are read
//   request   (ctx, i) => the request connection i sends over and over: { headers?, body }, or an
//             array of them sent in turn (autocannon request objects, so `setupRequest` and
//             `onResponse` may carry state such as a challenge id from one request to the next).
//             POST /graphql with content-type: application/json is added by the runner.
//   prepare   optional async (ctx) => void, run once before the warm-up (ctx.state is free to use)
//   check     optional (data) => problem string or null, applied to one probe response before the load
//             (not to requests built by setupRequest: prepare checks those itself)
//   duration  optional (options) => seconds, where the default --duration does not fit
//   requestCount  optional (ctx, phase) => how many requests the 'warmup' or 'measure' run sends,
//             instead of running for a duration (for requests that use up something prepared)
//   onMeasureStart  optional async (ctx, warmup) => void, called just before the measured run
//             (warmup: the warm-up's runLoad result, or null without one)
//   afterMeasure    optional async (ctx, result) => lines printed under the table, called after it
//             (result: lib/load.mjs runLoad's)
//   note      optional line printed under the table
// ctx: { gatewayUrl, floorUrl, tenant: { slug, apiKey }, users: [{ loginId, password, sessionToken }],
//        options: { connections, duration, warmup }, receiver (lib/sms-receiver.mjs: the tenant's
//        WEBHOOK SMS provider posts there), nextPhoneNumber() (a fresh +8190 mobile number),
//        nextClientAddress() (a fresh X-Forwarded-For address), state }
import { authHeaders, graphqlBody, postGraphql } from './lib/graphql-client.mjs';
import { requestsFor, requestsOfConnection, runLoad } from './lib/load.mjs';
import { prepareEnrolmentChallenges, signUpSmsUsers, startEnrolmentBody, usersForSends, verifyBody } from './lib/sms-challenges.mjs';
import { nowMs } from './lib/sms-receiver.mjs';

const pick = (list, i) => list[i % list.length];
const asUser = (ctx, i) => authHeaders({ tenant: ctx.tenant.slug, sessionToken: pick(ctx.users, i).sessionToken });

// The SMS scenarios' rate probes. startSmsChallenge's runs long enough to leave its cold start behind
// (one user per connection, 100 sends each: enough below 50 starts per second per connection); each
// verifySmsChallenge one needs a challenge made beforehand, so that probe is short.
const START_PROBE_SECONDS = 2;
const VERIFY_PROBE_REQUESTS_PER_CONNECTION = 8;
// How long the SMS of a measured startSmsChallenge run may take to reach the receiver after it.
const HAND_OFF_WAIT_MS = 30_000;
// Sent only if a connection used up its prepared challenges, which the request counts rule out:
// it answers CHALLENGE_NOT_FOUND, so the mistake shows as errors.
const NO_CHALLENGE_LEFT = { challengeId: '00000000-0000-4000-8000-000000000000', code: '000000' };

export const SCENARIOS = [
  {
    name: 'floor',
    target: 'floor',
    request: () => ({ body: graphqlBody('{ floor }') }),
    check: (data) => (data.floor === 1 ? null : `floor answered ${JSON.stringify(data)}`),
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
  {
    name: 'startSmsChallenge',
    target: 'gateway',
    // Each request enrols a number nobody used before, for the next user of a pool without phones,
    // each user with its own client address; the pool is sized from a short probe run so that no user
    // reaches the send limit (SENDS_PER_USER) in the warm-up and run together, with half again to spare.
    async prepare(ctx) {
      const { connections, warmup, duration } = ctx.options;
      ctx.state.starting = { users: await signUpSmsUsers(ctx, ctx.gatewayUrl, connections, 'bench-sms-start-probe'), sent: 0 };
      const [first] = ctx.state.starting.users;
      const started = await postGraphql(ctx.gatewayUrl, first.headers, startEnrolmentBody(first.phoneNumber));
      if (started.startSmsChallenge?.purpose !== 'ENROLL_PHONE') throw new Error(`startSmsChallenge answered ${JSON.stringify(started)}`);
      await ctx.receiver.take(first.phoneNumber, 10_000);

      const rate = await probeRateOf(startScenario, ctx, { durationSeconds: START_PROBE_SECONDS });
      const users = await signUpSmsUsers(ctx, ctx.gatewayUrl, usersForSends(rate * (warmup + duration) * 1.5), 'bench-sms-start');
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
    afterMeasure: handOffReport,
    note:
      'startSmsChallenge: ENROLL_PHONE to a fresh +8190 number per request, users taking turns: the send limits, a challenge row,\n' +
      '  an outbox row and a NOTIFY; the in-process dispatcher then POSTs each SMS to the local receiver, and its CPU is in this row.',
  },
  {
    name: 'verifySmsChallenge',
    target: 'gateway',
    // Each connection verifies its own queue of ENROLL_PHONE challenges, made beforehand for users of
    // its own (each re-enrolling its own number, at most SENDS_PER_USER times), codes read from the
    // receiver; each run ends when its challenges were verified once. A user who verified holds a
    // phone (enrolling again would need AAL2), so the probe, the warm-up and the measured run each have
    // their own users. The warm-up is sized from the probe, and the measured run from the warm-up (or
    // the probe without one): enough for --duration seconds.
    async prepare(ctx) {
      const { connections, warmup } = ctx.options;
      ctx.state.verifying = { queues: await verificationQueues(ctx, connections * VERIFY_PROBE_REQUESTS_PER_CONNECTION, 'bench-sms-verify-probe') };
      const probeRate = await probeRateOf(verifyScenario, ctx, { requestCount: connections * VERIFY_PROBE_REQUESTS_PER_CONNECTION });
      const warmupCount = warmup > 0 ? Math.max(connections, Math.round(probeRate * warmup)) : 0;
      ctx.state.verifying = { queues: await verificationQueues(ctx, warmupCount, 'bench-sms-verify-warmup'), warmupCount, probeRate };
    },
    async onMeasureStart(ctx, warmupResult) {
      const { connections, duration } = ctx.options;
      const verifying = ctx.state.verifying;
      verifying.sizingRate = warmupResult?.completed ? warmupResult.completed / warmupResult.seconds : verifying.probeRate;
      verifying.measureCount = Math.max(connections, Math.round(verifying.sizingRate * duration));
      verifying.queues = await verificationQueues(ctx, verifying.measureCount, 'bench-sms-verify');
    },
    request: (ctx, i) => ({
      setupRequest: (request) => {
        const { headers, challengeId, code } = ctx.state.verifying.queues[i].shift() ?? NO_CHALLENGE_LEFT;
        return { ...request, headers, body: verifyBody(challengeId, code) };
      },
    }),
    requestCount: (ctx, phase) => (phase === 'warmup' ? ctx.state.verifying.warmupCount : ctx.state.verifying.measureCount),
    afterMeasure: (ctx, result) => [
      `verifySmsChallenge: ${result.sent} verifications in ${result.seconds.toFixed(1)} s, sized for --duration at ${ctx.state.verifying.sizingRate.toFixed(0)}/s ` +
        `(the warm-up's ${ctx.state.verifying.warmupCount} verifications; the probe's ${ctx.options.connections * VERIFY_PROBE_REQUESTS_PER_CONNECTION} ran at ${ctx.state.verifying.probeRate.toFixed(0)}/s)`,
    ],
    note:
      'verifySmsChallenge: each request verifies, with the right code, one ENROLL_PHONE challenge prepared before the run for a number its\n' +
      '  user holds or is enrolling (no change notice is sent): spends the challenge, sets the phone and issues an AAL2 session beside the\n' +
      '  old one. The run ends when all are used; their number was sized from the warm-up to last about --duration seconds.',
  },
];

const startScenario = SCENARIOS.find((scenario) => scenario.name === 'startSmsChallenge');
const verifyScenario = SCENARIOS.find((scenario) => scenario.name === 'verifySmsChallenge');

/**
 * Per connection, the challenges it verifies in a run of `requestCount` requests (split as
 * runLoad splits them), made for new users: as many per connection as the send limit requires.
 */
async function verificationQueues(ctx, requestCount, prefix) {
  const { connections } = ctx.options;
  const perConnection = Array.from({ length: connections }, (_, i) => requestsOfConnection(requestCount, connections, i));
  const usersOfConnection = perConnection.map((n) => (n === 0 ? 0 : usersForSends(n)));
  const users = await signUpSmsUsers(ctx, ctx.gatewayUrl, usersOfConnection.reduce((sum, n) => sum + n, 0), prefix);
  const counts = usersOfConnection.flatMap((n, i) => Array.from({ length: n }, (_, u) => requestsOfConnection(perConnection[i], n, u)));
  const prepared = await prepareEnrolmentChallenges({ gatewayUrl: ctx.gatewayUrl, users, counts, receiver: ctx.receiver });
  let nextUser = 0;
  return usersOfConnection.map((n) => prepared.slice(nextUser, (nextUser += n)).flat());
}

/** Requests per second of a short run ({ durationSeconds } or { requestCount }) whose every request must succeed. */
async function probeRateOf(scenario, ctx, length) {
  const { connections } = ctx.options;
  const probe = await runLoad({ url: ctx.gatewayUrl, requests: (i) => requestsFor(scenario, ctx, i), connections, ...length });
  const errors = probe.failed + probe.socketErrors + probe.timeouts;
  if (errors > 0) throw new Error(`${scenario.name}: ${errors} of ${probe.sent} requests of the rate probe failed: ${probe.errorSamples.join(' | ')}`);
  if (probe.completed === 0) throw new Error(`${scenario.name}: no request of the rate probe was answered in ${probe.seconds} s`);
  return probe.completed / probe.seconds;
}

/**
 * How long each SMS of the measured startSmsChallenge run took from its answer reaching the bench to
 * its POST reaching the receiver, and how long after the last answer the last SMS came.
 */
async function handOffReport(ctx) {
  const answeredAt = ctx.state.answeredAt;
  ctx.state.answeredAt = null;
  if (answeredAt.size === 0) return ['startSmsChallenge hand-off: no start was answered during the measured run'];
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
  if (latencies.length === 0) return [`startSmsChallenge hand-off: none of the ${answeredAt.size} SMS reached the receiver within ${HAND_OFF_WAIT_MS / 1000} s`];
  latencies.sort((a, b) => a - b);
  const at = (share) => latencies[Math.ceil(share * latencies.length) - 1].toFixed(1);
  const lastAnswerAt = [...answeredAt.values()].reduce((latest, at) => Math.max(latest, at), -Infinity);
  return [
    `startSmsChallenge hand-off, from the 2xx answer at the bench to the receiver getting the SMS POST, ${latencies.length} SMS: ` +
      `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms; the last SMS came ${(lastArrivalAt - lastAnswerAt).toFixed(0)} ms after the last answer` +
      (missing > 0 ? `; ${missing} did not arrive within ${HAND_OFF_WAIT_MS / 1000} s` : ''),
  ];
}
