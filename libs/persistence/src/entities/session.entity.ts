import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** RFC 8176 values this service records. */
export type SessionMethod = 'pwd' | 'sms' | 'mfa';

@Entity({ name: 'sessions' })
export class SessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** SHA-256 of the bearer token; the token itself is never stored. */
  @Column({ name: 'token_hash', type: 'bytea', unique: true })
  tokenHash: Buffer;

  /** RFC 8176 methods proven in this session. */
  @Column({ type: 'text', array: true })
  amr: SessionMethod[];

  @Column({ name: 'authenticated_at', type: 'timestamptz' })
  authenticatedAt: Date;

  @Column({ name: 'aal2_verified_at', type: 'timestamptz', nullable: true })
  aal2VerifiedAt: Date | null;

  @Column({ name: 'last_active_at', type: 'timestamptz' })
  lastActiveAt: Date;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'ip', type: 'text', nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent: string | null;
}
