import type { ApolloServerPlugin } from '@apollo/server';
import { IdentityMetrics } from '@honnin/identity';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one process: SMS sends, outcomes, failovers, receipts, hand-off latency, GraphQL latency. */
export class HonninMetrics implements IdentityMetrics {
  readonly registry = new Registry();
  private readonly sendAttempts = new Counter({ name: 'honnin_sms_send_attempts_total', help: 'Provider calls by outcome.', labelNames: ['tenant', 'provider', 'outcome'], registers: [this.registry] });
  private readonly failovers = new Counter({ name: 'honnin_sms_failovers_total', help: 'Sends that moved on to the next provider.', labelNames: ['tenant', 'from', 'to'], registers: [this.registry] });
  private readonly settled = new Counter({ name: 'honnin_sms_messages_total', help: 'Messages settled: sent to a provider, or given up.', labelNames: ['tenant', 'provider', 'result'], registers: [this.registry] });
  private readonly handoff = new Histogram({ name: 'honnin_sms_handoff_seconds', help: 'From the outbox commit to the provider accepting the message.', labelNames: ['tenant', 'provider'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  private readonly receipts = new Counter({ name: 'honnin_sms_receipts_total', help: 'Delivery receipts accepted, by state.', labelNames: ['tenant', 'provider', 'state'], registers: [this.registry] });
  private readonly receiptsRejected = new Counter({ name: 'honnin_sms_receipts_rejected_total', help: 'Delivery receipts refused (bad path, bad signature, malformed).', labelNames: ['provider', 'reason'], registers: [this.registry] });
  private readonly rateLimitedRequests = new Counter({ name: 'honnin_rate_limited_total', help: 'Requests refused by a send, verify or login limit, by what the counter is keyed by.', labelNames: ['tenant', 'key'], registers: [this.registry] });
  private readonly prefixHolds = new Counter({ name: 'honnin_sms_prefix_holds_total', help: 'SMS pumping holds: a tenant\'s sends to a country calling code put on hold.', labelNames: ['tenant', 'prefix'], registers: [this.registry] });
  private readonly requestDuration = new Histogram({ name: 'honnin_graphql_request_duration_seconds', help: 'GraphQL request latency by operation.', labelNames: ['operation', 'outcome'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry] });
  private readonly sentByProvider = new Map<string, { sent: number; delivered: number }>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const ratios = this.sentByProvider;
    new Gauge({
      name: 'honnin_sms_delivery_ratio', help: 'Delivered receipts over messages sent, since this process started.', labelNames: ['tenant', 'provider'], registers: [this.registry],
      collect() {
        for (const [key, counts] of ratios) {
          const [tenant, provider] = key.split('|');
          this.set({ tenant, provider }, counts.sent === 0 ? 0 : counts.delivered / counts.sent);
        }
      },
    });
  }

  smsSendAttempt(tenantId: string, provider: string, outcome: string): void {
    this.sendAttempts.inc({ tenant: tenantId, provider, outcome });
  }
  smsFailover(tenantId: string, from: string, to: string): void {
    this.failovers.inc({ tenant: tenantId, from, to });
  }
  smsHandedOff(tenantId: string, provider: string, seconds: number): void {
    this.handoff.observe({ tenant: tenantId, provider }, seconds);
  }
  smsSettled(tenantId: string, provider: string, result: 'sent' | 'failed'): void {
    this.settled.inc({ tenant: tenantId, provider, result });
    if (result === 'sent') this.ratio(tenantId, provider).sent++;
  }
  deliveryReceipt(tenantId: string, provider: string, state: string): void {
    this.receipts.inc({ tenant: tenantId, provider, state });
    if (state === 'DELIVERED') this.ratio(tenantId, provider).delivered++;
  }
  deliveryReceiptRejected(provider: string, reason: string): void {
    this.receiptsRejected.inc({ provider, reason });
  }
  rateLimited(tenantId: string, key: string): void {
    this.rateLimitedRequests.inc({ tenant: tenantId, key });
  }
  smsPrefixHold(tenantId: string, prefix: string): void {
    this.prefixHolds.inc({ tenant: tenantId, prefix });
  }

  /** Times every GraphQL request by its operation (the first root field when unnamed). */
  graphqlPlugin(): ApolloServerPlugin {
    const duration = this.requestDuration;
    return {
      async requestDidStart() {
        const stop = duration.startTimer();
        return {
          async willSendResponse({ operation, errors }) {
            const field = operation?.selectionSet.selections.find((s) => s.kind === 'Field');
            const name = operation?.name?.value ?? (field && 'name' in field ? field.name.value : 'unknown');
            stop({ operation: name.slice(0, 64), outcome: errors?.length ? 'error' : 'ok' });
          },
        };
      },
    };
  }

  private ratio(tenant: string, provider: string) {
    const key = `${tenant}|${provider}`;
    let counts = this.sentByProvider.get(key);
    if (!counts) this.sentByProvider.set(key, (counts = { sent: 0, delivered: 0 }));
    return counts;
  }
}
