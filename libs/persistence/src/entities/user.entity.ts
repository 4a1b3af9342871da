import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'users' })
@Index('users_tenant_login_id_key', ['tenantId', 'loginId'], { unique: true })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  /** Normalised: trimmed, NFKC, case-folded. */
  @Column({ name: 'login_id', type: 'text' })
  loginId: string;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  /** The verified phone number (E.164), if any. */
  @Column({ name: 'phone_e164', type: 'text', nullable: true })
  phoneE164: string | null;

  /** Equals phoneE164 while the tenant wants one account per number: a unique index enforces it. */
  @Column({ name: 'phone_unique_key', type: 'text', nullable: true })
  phoneUniqueKey: string | null;

  @Column({ name: 'phone_verified_at', type: 'timestamptz', nullable: true })
  phoneVerifiedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
