// One autocannon run of POST requests (to /graphql unless a request names another path), counting as
// an error every response that is not 2xx or whose body holds "errors" (GraphQL answers resolver
// errors with 200).
import autocannon from 'autocannon';

const GRAPHQL_REQUEST = { method: 'POST', path: '/graphql' };
const ERROR_SAMPLES_KEPT = 3;

/** The autocannon request objects connection `i` cycles through. */
export function requestsFor(scenario, ctx, i) {
  const given = scenario.request(ctx, i);
  return (Array.isArray(given) ? given : [given]).map((request) => ({
    ...GRAPHQL_REQUEST,
    ...request,
    headers: { 'content-type': 'application/json', ...request.headers },
  }));
}

/**
 * Runs for `durationSeconds`, or, when `requestCount` is given, until that many requests were sent
 * (autocannon's `amount`: connection i sends floor(n / c) + (i < n mod c ? 1 : 0) of them).
 * @returns {Promise<{ seconds: number, sent: number, completed: number, p50: number, p99: number,
 *   failed: number, non2xx: number, socketErrors: number, timeouts: number, errorSamples: string[] }>}
 */
export async function runLoad({ url, requests, connections, durationSeconds, requestCount }) {
  let failed = 0;
  const errorSamples = [];
  const countFailures = (request) => ({
    ...request,
    onResponse(status, body, context, headers) {
      if (status < 200 || status >= 300 || body.includes('"errors"')) {
        failed++;
        if (errorSamples.length < ERROR_SAMPLES_KEPT) errorSamples.push(`HTTP ${status}: ${body.slice(0, 300)}`);
      }
      request.onResponse?.(status, body, context, headers);
    },
  });
  let connection = 0;
  const result = await autocannon({
    url,
    connections,
    // A run of `amount` ends at the first sample tick after its last response, and its duration is
    // read there: ticks every 100 ms instead of every second keep that duration true.
    ...(requestCount === undefined ? { duration: durationSeconds } : { amount: requestCount, sampleInt: 100 }),
    pipelining: 1,
    setupClient: (client) => client.setRequests(requests(connection++).map(countFailures)),
  });
  return {
    seconds: result.duration,
    sent: result.requests.sent,
    completed: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed,
    non2xx: result.non2xx,
    socketErrors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    errorSamples,
  };
}

/** How many of `requestCount` requests connection `i` of `connections` sends in a runLoad with requestCount. */
export function requestsOfConnection(requestCount, connections, i) {
  return Math.floor(requestCount / connections) + (i < requestCount % connections ? 1 : 0);
}
