import { Column, Entity, PrimaryColumn } from 'typeorm';

export type SmsChallengeStatus = 'PENDING' | 'VERIFIED' | 'EXPIRED' | 'EXHAUSTED' | 'UNDELIVERABLE' | 'CANCELLED';
export type SmsChallengePurpose = 'STEP_UP' | 'ENROLL_PHONE';
export type DeliveryStatus = 'PENDING' | 'SENT' | 'DELIVERED' | 'FAILED';

/** One SMS verification. The code is kept only as an HMAC bound to the id. */
@Entity({ name: 'sms_challenges' })
export class SmsChallengeEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ name: 'session_id', type: 'uuid' }) sessionId: string;
  @Column({ type: 'text' }) purpose: SmsChallengePurpose;
  @Column({ name: 'phone_e164', type: 'text' }) phoneE164: string;
  @Column({ name: 'code_key_id', type: 'text', nullable: true }) codeKeyId: string | null;
  @Column({ name: 'code_hash', type: 'bytea', nullable: true }) codeHash: Buffer | null;
  @Column({ name: 'code_length', type: 'integer' }) codeLength: number;
  /** Set when the provider makes and checks the code (Twilio Verify). */
  @Column({ name: 'delegated_provider_id', type: 'uuid', nullable: true }) delegatedProviderId: string | null;
  @Column({ name: 'provider_verification_id', type: 'text', nullable: true }) providerVerificationId: string | null;
  @Column({ type: 'text' }) status: SmsChallengeStatus;
  @Column({ type: 'integer' }) attempts: number;
  @Column({ name: 'max_attempts', type: 'integer' }) maxAttempts: number;
  @Column({ type: 'integer' }) sends: number;
  @Column({ name: 'max_sends', type: 'integer' }) maxSends: number;
  @Column({ type: 'text' }) locale: string;
  @Column({ name: 'delivery_status', type: 'text' }) deliveryStatus: DeliveryStatus;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @Column({ name: 'last_sent_at', type: 'timestamptz' }) lastSentAt: Date;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true }) verifiedAt: Date | null;
}
