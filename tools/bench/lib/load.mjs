// One autocannon run against POST /graphql, counting as an error every response that is not 2xx or
// whose body holds "errors" (GraphQL answers resolver errors with 200).
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
 * @returns {Promise<{ seconds: number, completed: number, p50: number, p99: number,
 *   failed: number, non2xx: number, socketErrors: number, timeouts: number, errorSamples: string[] }>}
 */
export async function runLoad({ url, requests, connections, durationSeconds }) {
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
    duration: durationSeconds,
    pipelining: 1,
    setupClient: (client) => client.setRequests(requests(connection++).map(countFailures)),
  });
  return {
    seconds: result.duration,
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
