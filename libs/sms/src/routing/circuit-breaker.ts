import type { SmsSendOutcome } from '../port/sms-provider.port';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitTransition {
  tenantId: string;
  providerId: string;
  from: CircuitState;
  to: CircuitState;
  /** Clock value (ms) when it happened. */
  at: number;
  /** The outcome kind that caused it; absent when the open period simply ran out. */
  cause?: SmsSendOutcome['kind'];
}

export interface CircuitBreakerOptions {
  now: () => number;
  /** Consecutive failures that open the circuit. */
  failureThreshold?: number;
  /** How long an open circuit refuses sends before letting one probe through. */
  openMs?: number;
  /** Called on every state change, for audit and metrics. Must not throw. */
  onTransition?: (transition: CircuitTransition) => void;
}

export const DEFAULT_FAILURE_THRESHOLD = 3;
export const DEFAULT_OPEN_MS = 30_000;

interface Circuit {
  state: CircuitState;
  consecutiveFailures: number;
  openedAt: number;
  /** When the half-open probe was let through; undefined while no probe is out. */
  probeStartedAt?: number;
}

/** A credential or configuration problem will not fix itself on the next send: open at once. */
const OPENS_IMMEDIATELY: ReadonlySet<SmsSendOutcome['kind']> = new Set(['auth_failed', 'misconfigured']);

/**
 * Whether an outcome says the provider is unhealthy. `invalid_recipient` is about the number, not the
 * provider: the provider answered properly, so it counts as a success for the circuit.
 */
export function isProviderFailure(outcome: SmsSendOutcome): boolean {
  return outcome.kind !== 'sent' && outcome.kind !== 'invalid_recipient';
}

/**
 * One circuit per (tenant, provider), in memory. Pure state driven by an injected clock: no timers.
 * closed -> open after `failureThreshold` consecutive failures (at once for auth_failed/misconfigured);
 * open -> half_open once `openMs` has passed, letting exactly one probe through; the probe's success
 * closes the circuit, its failure re-opens it for another `openMs`.
 */
export class CircuitBreaker {
  private readonly circuits = new Map<string, Circuit>();
  private readonly now: () => number;
  private readonly failureThreshold: number;
  private readonly openMs: number;
  private readonly onTransition?: (transition: CircuitTransition) => void;

  constructor(options: CircuitBreakerOptions) {
    this.now = options.now;
    this.failureThreshold = options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
    this.openMs = options.openMs ?? DEFAULT_OPEN_MS;
    this.onTransition = options.onTransition;
    if (!Number.isInteger(this.failureThreshold) || this.failureThreshold < 1) {
      throw new RangeError('failureThreshold must be a positive integer');
    }
    if (!(this.openMs > 0)) throw new RangeError('openMs must be positive');
  }

  /** The state as a send would see it now: an open circuit whose time is up reads as half_open. */
  state(tenantId: string, providerId: string): CircuitState {
    const circuit = this.circuits.get(key(tenantId, providerId));
    if (!circuit) return 'closed';
    if (circuit.state === 'open' && this.now() - circuit.openedAt >= this.openMs) return 'half_open';
    return circuit.state;
  }

  /** When the circuit last opened, or undefined when it is not open. */
  openedAt(tenantId: string, providerId: string): number | undefined {
    const circuit = this.circuits.get(key(tenantId, providerId));
    return circuit && circuit.state !== 'closed' ? circuit.openedAt : undefined;
  }

  /**
   * Asks to send through this provider. True when closed, or when this caller becomes the half-open
   * probe. A probe that never reports back (a crashed caller) stops blocking after another `openMs`.
   */
  tryAcquire(tenantId: string, providerId: string): boolean {
    const circuit = this.circuits.get(key(tenantId, providerId));
    if (!circuit || circuit.state === 'closed') return true;
    const now = this.now();
    if (circuit.state === 'open') {
      if (now - circuit.openedAt < this.openMs) return false;
      this.move(tenantId, providerId, circuit, 'half_open');
    } else if (circuit.probeStartedAt !== undefined && now - circuit.probeStartedAt < this.openMs) {
      return false;
    }
    circuit.probeStartedAt = now;
    return true;
  }

  /** Records how a send through this provider ended. Works whatever the state, forced sends included. */
  record(tenantId: string, providerId: string, outcome: SmsSendOutcome): void {
    const circuitKey = key(tenantId, providerId);
    const circuit = this.circuits.get(circuitKey);
    if (!isProviderFailure(outcome)) {
      if (circuit && circuit.state !== 'closed') this.move(tenantId, providerId, circuit, 'closed', outcome.kind);
      // A healthy closed circuit carries no information: forget it so the map only holds troubled ones.
      this.circuits.delete(circuitKey);
      return;
    }
    const current = circuit ?? { state: 'closed' as const, consecutiveFailures: 0, openedAt: 0 };
    this.circuits.set(circuitKey, current);
    current.consecutiveFailures += 1;
    current.probeStartedAt = undefined;
    const opens =
      current.state !== 'closed' ||
      OPENS_IMMEDIATELY.has(outcome.kind) ||
      current.consecutiveFailures >= this.failureThreshold;
    if (!opens) return;
    current.openedAt = this.now();
    if (current.state !== 'open') this.move(tenantId, providerId, current, 'open', outcome.kind);
  }

  private move(
    tenantId: string,
    providerId: string,
    circuit: Circuit,
    to: CircuitState,
    cause?: SmsSendOutcome['kind'],
  ): void {
    const from = circuit.state;
    circuit.state = to;
    this.onTransition?.({ tenantId, providerId, from, to, at: this.now(), ...(cause ? { cause } : {}) });
  }
}

function key(tenantId: string, providerId: string): string {
  return JSON.stringify([tenantId, providerId]);
}
