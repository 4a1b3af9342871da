// A steady load of a few signed-in clients, each answer recorded with its timing, for scenarios that
// break a process underneath the gateway and judge every request sent meanwhile.
import type { GraphqlClient, GraphqlResult } from '@honnin/testing';

export interface LoadSample {
  client: number;
  operation: string;
  startedAt: number;
  endedAt: number;
  /** HTTP status; 0 when no answer came (connection error or `answerTimeoutMs`). */
  status: number;
  /** `extensions.code` of the first error; `NO_ANSWER` (timed out) or `CONNECTION_FAILED` without an answer; undefined on success. */
  code: string | undefined;
  ok: boolean;
  /** The first error's message, as a client would show it. */
  message: string | undefined;
  /** What the operation returned on success (for a started challenge, its id). */
  data: Record<string, unknown> | null;
}

/** One request a client makes: the GraphQL result (`ok` when it has data and no error), or null to skip it this round. */
export type LoadOperation = (client: number, gql: GraphqlClient) => Promise<GraphqlResult> | null;

export interface RunningLoad {
  readonly samples: LoadSample[];
  /** Lets each client finish its request in flight, then resolves with every sample. */
  stop(): Promise<LoadSample[]>;
}

/**
 * `clients` loops, each sending `operations` in turn with `paceMs` between rounds, until stopped. A
 * request without an answer within `answerTimeoutMs` is recorded as NO_ANSWER and the loop goes on.
 */
export function startLoad(options: {
  gql: GraphqlClient;
  clients: number;
  operations: Record<string, LoadOperation>;
  paceMs: number;
  answerTimeoutMs: number;
}): RunningLoad {
  const samples: LoadSample[] = [];
  let stopped = false;
  const loop = async (client: number): Promise<void> => {
    while (!stopped) {
      for (const [operation, send] of Object.entries(options.operations)) {
        if (stopped) return;
        const startedAt = Date.now();
        const sent = send(client, options.gql);
        if (sent) samples.push(await measure({ client, operation, startedAt }, sent, options.answerTimeoutMs));
      }
      await new Promise((r) => setTimeout(r, options.paceMs));
    }
  };
  const running = Promise.all(Array.from({ length: options.clients }, (_, client) => loop(client)));
  return {
    samples,
    async stop() {
      stopped = true;
      await running;
      return samples;
    },
  };
}

async function measure(
  { client, operation, startedAt }: Pick<LoadSample, 'client' | 'operation' | 'startedAt'>,
  sent: Promise<GraphqlResult>,
  answerTimeoutMs: number,
): Promise<LoadSample> {
  let timer: NodeJS.Timeout | undefined;
  const noAnswer = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), answerTimeoutMs);
  });
  try {
    const result = await Promise.race([sent, noAnswer]);
    const endedAt = Date.now();
    if (!result) return { client, operation, startedAt, endedAt, status: 0, code: 'NO_ANSWER', ok: false, message: undefined, data: null };
    const ok = result.status === 200 && !result.errors && result.data !== null;
    return { client, operation, startedAt, endedAt, status: result.status, code: result.code, ok, message: result.errors?.[0]?.message, data: result.data };
  } catch {
    return { client, operation, startedAt, endedAt: Date.now(), status: 0, code: 'CONNECTION_FAILED', ok: false, message: undefined, data: null };
  } finally {
    clearTimeout(timer);
  }
}

/** Counts of `key` over `samples`, as `{ key: count }` sorted by key, for reports and assertions. */
export function tally(samples: readonly LoadSample[], key: (sample: LoadSample) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const sample of samples) counts[key(sample)] = (counts[key(sample)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
