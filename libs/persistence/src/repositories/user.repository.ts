import { EntityManager } from 'typeorm';
import { UserEntity } from '../entities/user.entity';

export interface NewUser {
  tenantId: string;
  loginId: string;
  passwordHash: string;
}

export class UserRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Returns null when the login id is taken in this tenant. */
  async create(user: NewUser): Promise<UserEntity | null> {
    const rows: { id: string }[] = await this.manager.query(
      `INSERT INTO users (tenant_id, login_id, password_hash) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, login_id) DO NOTHING RETURNING id`,
      [user.tenantId, user.loginId, user.passwordHash],
    );
    return rows[0] ? this.findById(user.tenantId, rows[0].id) : null;
  }

  findByLoginId(tenantId: string, loginId: string): Promise<UserEntity | null> {
    return this.manager.findOneBy(UserEntity, { tenantId, loginId });
  }

  findById(tenantId: string, id: string): Promise<UserEntity | null> {
    return this.manager.findOneBy(UserEntity, { tenantId, id });
  }

  async updatePasswordHash(tenantId: string, id: string, passwordHash: string): Promise<void> {
    await this.manager.update(UserEntity, { tenantId, id }, { passwordHash });
  }

  /**
   * Attaches a verified number. `unique` makes the tenant-wide unique index apply; a clash raises a
   * unique violation on `users_tenant_phone_unique_key`.
   */
  /**
   * Attaches a verified number; false (nothing changed) when `unique` and another user of the tenant
   * already holds it, verified before the tenant required uniqueness or not. The unique key catches a race.
   */
  async setVerifiedPhone(tenantId: string, id: string, phoneE164: string, unique: boolean, at: Date): Promise<boolean> {
    const [, count]: [unknown, number] = await this.manager.query(
      `UPDATE users SET phone_e164 = $3, phone_unique_key = $4, phone_verified_at = $5
        WHERE tenant_id = $1 AND id = $2
          AND NOT ($6 AND EXISTS (SELECT 1 FROM users other WHERE other.tenant_id = $1 AND other.phone_e164 = $3 AND other.id <> $2))`,
      [tenantId, id, phoneE164, unique ? phoneE164 : null, at, unique],
    );
    return count === 1;
  }

  async count(tenantId: string): Promise<number> {
    return this.manager.countBy(UserEntity, { tenantId });
  }
}
