import { Batcher, Database, SentMessageRecord, SmsOutboxMessageEntity } from '@honnin/persistence';
import { parsePhoneNumber } from '@honnin/otp';
import {
  CircuitBreaker, CircuitTransition, createTwilioVerifyDelegatedProvider, DELIVERY_RECEIPT_PARSERS, RoutableProvider,
  providerPost, SMS_PROVIDER_DEFINITIONS, SmsProvider, SmsRouteResult, SmsRouter, SmsSendOutcome,
} from '@honnin/sms';
import { recordAudit, toAuditRow } from '../audit/audit-log';
import { Clock } from '../common/clock';
import { IdentityMetrics } from '../common/identity-metrics';
import { SecretBox } from '../common/secret-box';
import { ReceiptPaths } from './receipt-paths';
import { outboxContext, SMS_OUTBOX_CHANNEL } from './sms-challenges';
import { SmsProviders } from './sms-providers';

export interface SmsDispatcherOptions {
  /** How long a claimed message is ours before another dispatcher may take it over. */
  leaseMs?: number;
  /** Safety net for missed notifications and scheduled retries. */
  pollMs?: number;
  /** Messages claimed with one statement. */
  batchSize?: number;
  /** Sends on their way at once. */
  maxInFlight?: number;
  log: (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown>) => void;
}

/** A message written already claimed for a dispatcher (`SmsHandOff.leaseFor`), with its text, so it needs no claim. */
export interface HandedOverSms {
  /** The row as written: its lease in `claimedUntil`. */
  message: SmsOutboxMessageEntity;
  /** The body in clear (null for a delegated verification); the row holds it sealed. */
  text: string | null;
}

/**
 * The dispatcher of the writer's own process, taking messages over as they are written: no NOTIFY, no
 * claim, no decryption. If the process dies first, the lease runs out and any dispatcher claims them.
 */
export interface SmsHandOff {
  /** The lease to write a message under, or null when the dispatcher has no room (it is then written for any dispatcher to claim). */
  leaseFor(now: Date): Date | null;
  /** Messages written under leases from `leaseFor`, once committed. */
  takeOver(messages: readonly HandedOverSms[]): void;
}

export interface DispatchResult {
  outboxId: string;
  outcome: SmsSendOutcome['kind'] | 'expired';
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Sends what the outbox holds: claims due rows, routes each through the tenant's providers, records the
 * outcome. Woken by NOTIFY on commit, and by a poll. Retryable failures back off until the code expires;
 * a permanent failure marks the challenge undeliverable. Bodies are cleared once a message settles.
 */
export class SmsDispatcher implements SmsHandOff {
  private readonly router: SmsRouter;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  /** Ends the drain's wait for a send when a NOTIFY comes. */
  private woken: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private wakeAgain = false;
  private poller: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly listeners = new Set<(result: DispatchResult) => void>();
  /** Sends on their way. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Messages handed over and not yet on their way. */
  private handedOver: HandedOverSms[] = [];
  /** Messages sent at about the same time are recorded together: one statement for many under load. */
  private readonly sentRecords = new Batcher<SentMessageRecord, boolean>(async (sent) => {
    const saved = await this.db.store.outbox.recordSent(sent);
    return sent.map((record) => saved.has(record.id));
  });

  constructor(
    private readonly db: Database,
    private readonly providers: SmsProviders,
    private readonly box: SecretBox,
    private readonly receiptPaths: ReceiptPaths,
    private readonly metrics: IdentityMetrics,
    private readonly clock: Clock,
    private readonly options: SmsDispatcherOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 15_000;
    this.pollMs = options.pollMs ?? 1000;
    this.batchSize = options.batchSize ?? 20;
    this.maxInFlight = options.maxInFlight ?? 100;
    this.router = new SmsRouter(
      new CircuitBreaker({ now: () => this.clock.now().getTime(), onTransition: (t) => void this.auditCircuit(t) }),
    );
  }

  async start(): Promise<void> {
    await this.db.changes.subscribe(SMS_OUTBOX_CHANNEL, () => this.wake());
    this.poller = setInterval(() => this.wake(), this.pollMs);
    this.poller.unref();
    this.wake();
  }

  /** Waits for the send in progress, then stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    await this.running;
  }

  leaseFor(now: Date): Date | null {
    if (this.stopped || this.backlog() >= this.maxInFlight) return null;
    return new Date(now.getTime() + this.leaseMs);
  }

  /** Messages on their way or handed over and waiting: what `leaseFor` weighs against `maxInFlight`. */
  backlog(): number {
    return this.inFlight.size + this.handedOver.length;
  }

  takeOver(messages: readonly HandedOverSms[]): void {
    this.handedOver.push(...messages);
    // Nothing new in the outbox for the others: no claim, only these to send.
    if (this.running) this.woken?.();
    else this.run(false);
  }

  onDispatched(listener: (result: DispatchResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Something may be due in the outbox (a NOTIFY, the poll): claims it. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeAgain = true;
      this.woken?.();
      return;
    }
    this.run(true);
  }

  /** Drains until nothing is left; `claim`: ask the outbox for due messages, not only send those handed over. */
  private run(claim: boolean): void {
    this.running = this.drain(claim)
      .catch((error: Error) => this.options.log('error', 'sms_dispatch_failed', { err: error.message }))
      .finally(() => {
        this.running = null;
        if (this.wakeAgain) {
          this.wakeAgain = false;
          this.wake();
        } else if (this.handedOver.length > 0) {
          this.run(false);
        }
      });
  }

  /**
   * Sends every message handed over and (with `claim`) every due one; returns when none is left. Claims
   * a batch while the last one came back full or a NOTIFY came meanwhile, without waiting for the sends on their way
   * (up to `maxInFlight`), so a slow provider or a busy process does not hold back the messages behind.
   */
  async drain(claim = true): Promise<void> {
    let more = claim;
    try {
      // Stopping, it still sends what was handed over (no longer taking more), but claims nothing.
      while (!this.stopped || this.handedOver.length > 0) {
        const room = this.maxInFlight - this.inFlight.size;
        if (this.handedOver.length > 0 && room > 0) {
          for (const handed of this.handedOver.splice(0, room)) this.send(handed.message, handed.message.claimedUntil ?? new Date(0), handed);
        } else if (!this.stopped && (more || this.wakeAgain) && room > 0) {
          this.wakeAgain = false;
          const now = this.clock.now();
          const lease = new Date(now.getTime() + this.leaseMs);
          const want = Math.min(room, this.batchSize);
          const claimed = await this.db.store.outbox.claimDue(now, lease, want);
          more = claimed.length === want;
          for (const message of claimed) this.send(message, lease, null);
        } else if (this.inFlight.size === 0) {
          return;
        } else {
          await Promise.race([...this.inFlight, new Promise<void>((resolve) => (this.woken = resolve))]);
          this.woken = null;
        }
      }
    } finally {
      await Promise.all(this.inFlight);
    }
  }

  /** Dispatches one message in the background, counted among those on their way. */
  private send(message: SmsOutboxMessageEntity, lease: Date, handedOver: HandedOverSms | null): void {
    const sending: Promise<void> = this.dispatch(message, lease, handedOver)
      .catch((error: Error) => this.options.log('error', 'sms_dispatch_failed', { err: error.message, outboxId: message.id }))
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  /** `handedOver`: the message came from the writer with its body in clear (else the row's is opened). */
  private async dispatch(message: SmsOutboxMessageEntity, lease: Date, handedOver: HandedOverSms | null): Promise<void> {
    const now = this.clock.now();
    // Handed over long ago (a backlog): the lease may run out mid-send and another dispatcher claim it
    // too, so it is left to be claimed once the lease is over.
    if (handedOver && lease.getTime() - now.getTime() < this.leaseMs / 2) return;
    const sealed = message.bodyCiphertext;
    const delegated = message.kind === 'DELEGATED_VERIFICATION';
    if (message.expiresAt <= now || (!delegated && !sealed)) {
      await this.giveUp(message, lease, { providerConfigId: null, providerType: null, outcome: 'expired' }, now);
      return this.emit({ outboxId: message.id, outcome: 'expired' });
    }
    if (delegated || !sealed) return this.dispatchDelegated(message, lease);
    const configured = await this.providers.forSending(message.tenantId);
    const routable: RoutableProvider[] = configured.map((c, i) => {
      const provider = SMS_PROVIDER_DEFINITIONS[c.settings.type].create(c.settings, {
        post: providerPost,
        log: (event, fields) => this.options.log('info', event, { ...fields, tenantId: message.tenantId }),
      });
      const callback = c.configId && DELIVERY_RECEIPT_PARSERS[c.settings.type] ? this.receiptPaths.url(c.configId) : null;
      return { providerId: c.configId ?? `default-${i}`, settings: c.settings, provider: callback ? withStatusCallback(provider, callback) : provider };
    });
    const parsed = parsePhoneNumber(message.toE164);
    const result = await this.router.send({
      providers: routable,
      country: parsed.ok && parsed.country ? parsed.country : 'ZZ',
      message: {
        id: message.id,
        tenant: message.tenantId,
        to: message.toE164,
        body: handedOver?.text ?? this.box.open(sealed, outboxContext(message.id)),
        locale: message.locale,
        createdAt: message.createdAt,
      },
    });
    this.count(message.tenantId, result);
    const used = configured.find((c, i) => (c.configId ?? `default-${i}`) === result.providerId);
    const record = { providerConfigId: used?.configId ?? null, providerType: used?.settings.type ?? null, outcome: describe(result.final) };
    await this.settle(message, lease, result.final, record, result.attempts.map((a) => `${a.type}:${a.outcome.kind}`));
  }

  /** Twilio Verify makes and sends the code: no failover (the code lives there); its verification id is kept for the check. */
  private async dispatchDelegated(message: SmsOutboxMessageEntity, lease: Date): Promise<void> {
    const challenge = message.challengeId ? await this.db.store.challenges.findById(message.tenantId, message.challengeId) : null;
    const configured = challenge?.delegatedProviderId ? await this.providers.byId(challenge.delegatedProviderId) : null;
    const record = { providerConfigId: challenge?.delegatedProviderId ?? null, providerType: 'TWILIO_VERIFY', outcome: 'misconfigured: provider removed' };
    if (!challenge || !configured) return this.giveUp(message, lease, record, this.clock.now());
    const provider = createTwilioVerifyDelegatedProvider(configured.settings, {
      post: providerPost,
      log: (event, fields) => this.options.log('info', event, { ...fields, tenantId: message.tenantId }),
    });
    const final = await provider.startVerification({ reference: message.id, to: message.toE164, locale: message.locale });
    this.metrics.smsSendAttempt(message.tenantId, 'TWILIO_VERIFY', final.kind);
    if (final.kind === 'sent') await this.db.store.challenges.setProviderVerificationId(message.tenantId, challenge.id, final.providerMessageId);
    await this.settle(message, lease, final, { ...record, outcome: describe(final) }, [`TWILIO_VERIFY:${final.kind}`]);
  }

  /** Records a send's outcome: sent, retried with back-off while the code lives, or given up. */
  private async settle(message: SmsOutboxMessageEntity, lease: Date, final: SmsSendOutcome, record: { providerConfigId: string | null; providerType: string | null; outcome: string }, route: string[]): Promise<void> {
    const at = this.clock.now();
    const retryAt = final.kind === 'retryable' || final.kind === 'rate_limited' ? this.retryAt(message, final, at) : null;
    if (final.kind === 'sent') {
      const saved = await this.sentRecords.add({
        id: message.id, lease, record: { ...record, providerMessageId: final.providerMessageId, at },
        audit: toAuditRow({ tenantId: message.tenantId, type: 'sms.sent', outcome: 'success', at, details: { outboxId: message.id, kind: message.kind, challengeId: message.challengeId, provider: record.providerType, attempts: message.attempts, route } }),
      });
      if (!saved) this.options.log('warn', 'sms_lease_lost', { outboxId: message.id });
      this.metrics.smsHandedOff(message.tenantId, record.providerType ?? 'none', (at.getTime() - message.createdAt.getTime()) / 1000);
      this.metrics.smsSettled(message.tenantId, record.providerType ?? 'none', 'sent');
    } else if (retryAt && retryAt < message.expiresAt) {
      await this.db.store.outbox.scheduleRetry(message.id, lease, { ...record, nextAttemptAt: retryAt });
    } else {
      await this.giveUp(message, lease, record, at);
    }
    this.emit({ outboxId: message.id, outcome: final.kind });
  }

  /** Permanent failure or out of time: the message fails and its challenge becomes undeliverable. */
  private async giveUp(message: SmsOutboxMessageEntity, lease: Date, record: { providerConfigId: string | null; providerType: string | null; outcome: string }, at: Date): Promise<void> {
    await this.db.transaction(async (store) => {
      if (!(await store.outbox.markFailed(message.id, lease, record))) return;
      if (message.challengeId) {
        await store.challenges.setDeliveryStatus(message.challengeId, 'FAILED');
        await store.challenges.settle(message.tenantId, message.challengeId, 'UNDELIVERABLE');
      }
      this.metrics.smsSettled(message.tenantId, record.providerType ?? 'none', 'failed');
      await recordAudit(store, { tenantId: message.tenantId, type: 'sms.failed', outcome: 'failure', at, details: { outboxId: message.id, kind: message.kind, challengeId: message.challengeId, provider: record.providerType, reason: record.outcome, attempts: message.attempts } });
    });
  }

  private count(tenantId: string, result: SmsRouteResult): void {
    const tried = result.attempts.filter((a) => !a.skippedOpenCircuit);
    tried.forEach((attempt, i) => {
      this.metrics.smsSendAttempt(tenantId, attempt.type, attempt.outcome.kind);
      if (i > 0) this.metrics.smsFailover(tenantId, tried[i - 1].type, attempt.type);
    });
  }

  private retryAt(message: SmsOutboxMessageEntity, outcome: SmsSendOutcome, now: Date): Date {
    const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** (message.attempts - 1));
    const hinted = outcome.kind === 'rate_limited' && outcome.retryAfterSeconds ? outcome.retryAfterSeconds * 1000 : 0;
    return new Date(now.getTime() + Math.max(backoff, hinted));
  }

  private async auditCircuit(transition: CircuitTransition): Promise<void> {
    this.options.log('warn', 'sms_provider_circuit', { ...transition });
    await recordAudit(this.db.store, {
      tenantId: transition.tenantId, type: 'sms_provider.circuit_changed', outcome: transition.to === 'closed' ? 'success' : 'failure',
      at: this.clock.now(), details: { providerId: transition.providerId, from: transition.from, to: transition.to, cause: transition.cause ?? null },
    }).catch(() => undefined);
  }

  private emit(result: DispatchResult): void {
    for (const listener of this.listeners) listener(result);
  }
}

/** Hands this provider the callback path that identifies it, so its receipts can be checked with its own secret. */
function withStatusCallback(provider: SmsProvider, statusCallbackUrl: string): SmsProvider {
  return { type: provider.type, send: (message) => provider.send({ ...message, statusCallbackUrl }) };
}

function describe(outcome: SmsSendOutcome): string {
  return outcome.kind === 'sent' ? 'sent' : `${outcome.kind}: ${outcome.reason}`.slice(0, 300);
}
