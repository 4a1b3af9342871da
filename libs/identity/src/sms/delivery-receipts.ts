import { Database, DeliveryStatus } from '@honnin/persistence';
import { DELIVERY_RECEIPT_PARSERS, InboundReceipt } from '@honnin/sms';
import { recordAudit } from '../audit/audit-log';
import { Clock } from '../common/clock';
import { isUuid } from '../common/ids';
import { IdentityMetrics } from '../common/identity-metrics';
import { ReceiptPaths } from './receipt-paths';
import { SmsProviders } from './sms-providers';

/** How the HTTP layer should answer the provider. */
export type ReceiptAnswer = 'accepted' | 'ignored' | 'not_found' | 'forbidden' | 'malformed';

/** Delivery receipts (status callbacks): signature-checked where the provider signs, on a per-provider secret path. */
export class DeliveryReceipts {
  constructor(
    private readonly db: Database,
    private readonly providers: SmsProviders,
    private readonly paths: ReceiptPaths,
    private readonly metrics: IdentityMetrics,
    private readonly clock: Clock,
  ) {}

  async handle(configId: string, token: string, receipt: InboundReceipt): Promise<ReceiptAnswer> {
    if (!isUuid(configId) || !this.paths.verify(configId, token)) {
      this.metrics.deliveryReceiptRejected('unknown', 'bad_path');
      return 'not_found';
    }
    const configured = await this.providers.byId(configId);
    const parser = configured && DELIVERY_RECEIPT_PARSERS[configured.settings.type];
    if (!configured || !parser) return 'not_found';
    const { tenantId, settings } = configured;
    const parsed = parser.parse(receipt, settings);
    const now = this.clock.now();
    if (parsed.kind === 'bad_signature') {
      this.metrics.deliveryReceiptRejected(settings.type, 'bad_signature');
      await recordAudit(this.db.store, { tenantId, type: 'sms.receipt_rejected', outcome: 'refused', at: now, details: { provider: settings.type, reason: 'bad_signature' } });
      return 'forbidden';
    }
    if (parsed.kind === 'malformed') {
      this.metrics.deliveryReceiptRejected(settings.type, 'malformed');
      return 'malformed';
    }
    if (parsed.kind === 'ignored') return 'ignored';
    // Only messages this tenant sent through us: a receipt naming anything else changes nothing.
    const message = await this.db.store.outbox.findByProviderMessageId(tenantId, parsed.providerMessageId);
    if (!message) return 'ignored';
    const state: DeliveryStatus = parsed.state;
    await this.db.transaction(async (store) => {
      await store.outbox.setDeliveryStatus(message.id, state);
      if (message.challengeId) await store.challenges.setDeliveryStatus(message.challengeId, state);
      await recordAudit(store, {
        tenantId, type: state === 'DELIVERED' ? 'sms.delivered' : state === 'FAILED' ? 'sms.delivery_failed' : 'sms.receipt', outcome: state === 'FAILED' ? 'failure' : 'success', at: now,
        details: { outboxId: message.id, challengeId: message.challengeId, provider: settings.type, providerStatus: parsed.providerStatus, errorCode: parsed.errorCode ?? null },
      });
    });
    this.metrics.deliveryReceipt(tenantId, settings.type, state);
    return 'accepted';
  }
}
