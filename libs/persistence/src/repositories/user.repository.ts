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

  async count(tenantId: string): Promise<number> {
    return this.manager.countBy(UserEntity, { tenantId });
  }
}
