import type { HandedOverSms, IdentityMetrics } from '@honnin/identity';

/** One call of an IdentityMetrics method, to make again on the other side. */
export type MetricCall = { [K in keyof IdentityMetrics]: { name: K; args: Parameters<IdentityMetrics[K]> } }[keyof IdentityMetrics];

/** From the gateway to its dispatcher thread. */
export type ToDispatcher = { kind: 'take-over'; messages: HandedOverSms[] } | { kind: 'stop' };

/** From the dispatcher thread to the gateway. */
export type FromDispatcher =
  | { kind: 'ready' }
  /** What it did since the last report: metric calls, and its backlog (sends on their way and handed over). */
  | { kind: 'report'; metrics: MetricCall[]; backlog: number }
  | { kind: 'stopped' };
