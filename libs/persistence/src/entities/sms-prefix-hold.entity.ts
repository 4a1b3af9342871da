import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The latest SMS pumping hold of one (tenant, calling code). In force while not lifted and before
 * `heldUntil`; after a lift no new hold is made before `exemptUntil`.
 */
@Entity({ name: 'sms_prefix_holds' })
export class SmsPrefixHoldEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' }) tenantId: string;
  /** A country calling code in E.164 form: `+44`. */
  @PrimaryColumn({ type: 'varchar', length: 8 }) prefix: string;
  @Column({ name: 'held_at', type: 'timestamptz' }) heldAt: Date;
  @Column({ name: 'held_until', type: 'timestamptz' }) heldUntil: Date;
  /** The bucket's count that tripped the hold. */
  @Column({ type: 'integer' }) sends: number;
  @Column({ type: 'double precision' }) baseline: number;
  @Column({ type: 'integer' }) threshold: number;
  @Column({ name: 'lifted_at', type: 'timestamptz', nullable: true }) liftedAt: Date | null;
  @Column({ name: 'lifted_by_api_key_id', type: 'uuid', nullable: true }) liftedByApiKeyId: string | null;
  @Column({ name: 'exempt_until', type: 'timestamptz', nullable: true }) exemptUntil: Date | null;
}
