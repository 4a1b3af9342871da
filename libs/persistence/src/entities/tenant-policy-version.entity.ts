import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Every policy change is a new row; the highest version is in force. */
@Entity({ name: 'tenant_policy_versions' })
export class TenantPolicyVersionEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'integer' })
  version: number;

  @Column({ type: 'jsonb' })
  document: Record<string, unknown>;

  @Column({ name: 'api_key_id', type: 'uuid', nullable: true })
  apiKeyId: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
