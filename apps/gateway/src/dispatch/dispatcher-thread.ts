import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { HandedOverSms, IdentityMetrics, SMS_LEASE_MS, SMS_MAX_IN_FLIGHT, SmsHandOff } from '@honnin/identity';
import type { Logger } from 'pino';
import type { HonninConfig } from '../config/honnin-config';
import type { FromDispatcher, ToDispatcher } from './thread-messages';

/** How long a stopping thread may take to finish its sends before it is ended. */
const STOP_TIMEOUT_MS = 10_000;
/** Waits before starting the thread again after it failed, doubling up to the last. */
const RESTART_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000];

/**
 * The SMS dispatcher in a worker thread of the gateway: SMS delivery never takes the event loop from
 * requests, and uses a second core. The messages the gateway writes are claimed for it as they are
 * written and handed over in memory (`SmsHandOff`); everything else (retries, messages other replicas
 * wrote, messages of a thread that died) it claims from the outbox. A thread that dies is started
 * again; its handed-over messages are claimed once their lease runs out.
 */
export class DispatcherThread implements SmsHandOff {
  private worker: Worker | null = null;
  private ready = false;
  private stopping = false;
  private failures = 0;
  /** The thread's backlog at its last report, plus what was handed over since. */
  private backlog = 0;
  private outgoing: HandedOverSms[] = [];
  private restartTimer: NodeJS.Timeout | null = null;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    private readonly config: HonninConfig & { databaseUrl: string },
    private readonly metrics: IdentityMetrics,
    private readonly logger: Logger,
  ) {}

  /** Starts the thread; resolves once it dispatches. */
  static async start(config: HonninConfig & { databaseUrl: string }, metrics: IdentityMetrics, logger: Logger): Promise<DispatcherThread> {
    const thread = new DispatcherThread(config, metrics, logger);
    await thread.spawn(false);
    return thread;
  }

  leaseFor(now: Date): Date | null {
    if (!this.ready || this.stopping || this.backlog >= SMS_MAX_IN_FLIGHT) return null;
    return new Date(now.getTime() + SMS_LEASE_MS);
  }

  takeOver(messages: readonly HandedOverSms[]): void {
    if (!this.worker) return;
    this.backlog += messages.length;
    // Messages of one turn of the event loop cross to the thread together.
    if (this.outgoing.length === 0) setImmediate(() => this.flush());
    this.outgoing.push(...messages);
  }

  /** Lets the thread finish the sends on their way, then ends it. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    this.flush();
    this.post({ kind: 'stop' });
    const timeout = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timeout);
  }

  /** `restart`: after a failure, so another failure schedules one more start (the first failing fails the gateway's start). */
  private spawn(restart: boolean): Promise<void> {
    const worker = new Worker(join(__dirname, 'dispatcher-worker.js'), { workerData: this.config });
    this.worker = worker;
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    let started = false;
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromDispatcher) => {
        if (message.kind === 'ready') {
          started = true;
          this.ready = true;
          this.failures = 0;
          resolve();
        } else if (message.kind === 'report') {
          for (const call of message.metrics) (this.metrics[call.name] as (...args: unknown[]) => void)(...call.args);
          this.backlog = message.backlog + this.outgoing.length;
        }
      });
      worker.on('error', (error) => this.logger.error({ err: error }, 'SMS dispatcher thread failed'));
      worker.once('exit', (code) => {
        this.ready = false;
        this.worker = null;
        this.outgoing = [];
        this.backlog = 0;
        reject(new Error(`the SMS dispatcher thread exited (${code}) before it was ready`));
        if (this.stopping || (!restart && !started)) return;
        const delay = RESTART_DELAYS_MS[Math.min(this.failures++, RESTART_DELAYS_MS.length - 1)];
        this.logger.error({ code, restartInMs: delay }, 'SMS dispatcher thread exited; starting it again');
        this.restartTimer = setTimeout(() => void this.spawn(true).catch(() => undefined), delay);
      });
    });
  }

  private flush(): void {
    if (this.outgoing.length === 0) return;
    this.post({ kind: 'take-over', messages: this.outgoing });
    this.outgoing = [];
  }

  private post(message: ToDispatcher): void {
    this.worker?.postMessage(message);
  }
}
