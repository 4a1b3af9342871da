/**
 * What identity reports for metrics; the app implements it (Prometheus in the gateway). Labels are
 * tenant ids and provider types, never a number, a code or a body.
 */
export interface IdentityMetrics {
  smsSendAttempt(tenantId: string, provider: string, outcome: string): void;
  smsFailover(tenantId: string, from: string, to: string): void;
  /** Seconds from the outbox commit to the provider accepting the message. */
  smsHandedOff(tenantId: string, provider: string, seconds: number): void;
  smsSettled(tenantId: string, provider: string, result: 'sent' | 'failed'): void;
  deliveryReceipt(tenantId: string, provider: string, state: string): void;
  deliveryReceiptRejected(provider: string, reason: string): void;
  /** A request refused by a send, verify or login limit; `key` is what the counter is keyed by (phone, user, ip, tenant, account, login_ip). */
  rateLimited(tenantId: string, key: string): void;
  /** SMS pumping: a tenant's sends to a country calling code (`+44`) were put on hold. */
  smsPrefixHold(tenantId: string, prefix: string): void;
}

export const NO_METRICS: IdentityMetrics = {
  smsSendAttempt: () => undefined,
  smsFailover: () => undefined,
  smsHandedOff: () => undefined,
  smsSettled: () => undefined,
  deliveryReceipt: () => undefined,
  deliveryReceiptRejected: () => undefined,
  rateLimited: () => undefined,
  smsPrefixHold: () => undefined,
};
