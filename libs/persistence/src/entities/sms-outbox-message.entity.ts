import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DeliveryStatus } from './sms-challenge.entity';

export type OutboxStatus = 'PENDING' | 'SENT' | 'FAILED' | 'CANCELLED';
/** DELEGATED_VERIFICATION: the provider makes and sends the code (Twilio Verify); no body is stored. */
export type OutboxKind = 'ONE_TIME_CODE' | 'DELEGATED_VERIFICATION' | 'PHONE_CHANGE_NOTICE';

/** An SMS committed before anyone tries to send it. The body is encrypted and cleared once settled. */
@Entity({ name: 'sms_outbox' })
export class SmsOutboxMessageEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId: string;
  @Column({ name: 'challenge_id', type: 'uuid', nullable: true }) challengeId: string | null;
  @Column({ type: 'text' }) kind: OutboxKind;
  @Column({ name: 'to_e164', type: 'text' }) toE164: string;
  @Column({ name: 'body_ciphertext', type: 'bytea', nullable: true }) bodyCiphertext: Buffer | null;
  @Column({ type: 'text' }) locale: string;
  @Column({ type: 'text' }) status: OutboxStatus;
  @Column({ type: 'integer' }) attempts: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz' }) nextAttemptAt: Date;
  /** A dispatcher's lease: until then nobody else sends this row. */
  @Column({ name: 'claimed_until', type: 'timestamptz', nullable: true }) claimedUntil: Date | null;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @Column({ name: 'provider_config_id', type: 'uuid', nullable: true }) providerConfigId: string | null;
  @Column({ name: 'provider_type', type: 'text', nullable: true }) providerType: string | null;
  @Column({ name: 'provider_message_id', type: 'text', nullable: true }) providerMessageId: string | null;
  @Column({ name: 'last_outcome', type: 'text', nullable: true }) lastOutcome: string | null;
  @Column({ name: 'delivery_status', type: 'text' }) deliveryStatus: DeliveryStatus;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true }) sentAt: Date | null;
}
