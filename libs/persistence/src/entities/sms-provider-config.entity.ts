import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One entry of a tenant's ordered provider list. Credentials are AES-256-GCM ciphertext, never returned. */
@Entity({ name: 'sms_provider_configs' })
export class SmsProviderConfigEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId: string;
  @Column({ type: 'integer' }) position: number;
  @Column({ type: 'text' }) type: string;
  @Column({ name: 'base_url', type: 'text', nullable: true }) baseUrl: string | null;
  @Column({ type: 'text', nullable: true }) sender: string | null;
  @Column({ type: 'text', array: true }) countries: string[];
  @Column({ name: 'credentials_ciphertext', type: 'bytea' }) credentialsCiphertext: Buffer;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
