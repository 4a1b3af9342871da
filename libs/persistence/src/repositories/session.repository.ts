import { EntityManager } from 'typeorm';
import { SessionEntity } from '../entities/session.entity';

export type NewSession = Omit<SessionEntity, 'id' | 'revokedAt'>;

/** A live session joined with what every signed-in request needs of its user. */
export interface SessionWithUser {
  session: SessionEntity;
  user: { id: string; loginId: string; phoneE164: string | null };
}

interface SessionRow extends SessionEntity {
  userLoginId: string;
  userPhoneE164: string | null;
}

export class SessionRepository {
  constructor(private readonly manager: EntityManager) {}

  async create(session: NewSession): Promise<SessionEntity> {
    const rows: { id: string }[] = await this.manager.query(
      `INSERT INTO sessions (tenant_id, user_id, token_hash, amr, authenticated_at, aal2_verified_at,
         last_active_at, created_at, ip, user_agent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
        session.tenantId, session.userId, session.tokenHash, session.amr, session.authenticatedAt,
        session.aal2VerifiedAt, session.lastActiveAt, session.createdAt, session.ip, session.userAgent,
      ],
    );
    return { ...session, id: rows[0].id, revokedAt: null };
  }

  /** The one query on the hot path of every signed-in request. */
  async findLiveByTokenHash(tokenHash: Buffer): Promise<SessionWithUser | null> {
    const rows: SessionRow[] = await this.manager.query(
      `SELECT s.id, s.tenant_id AS "tenantId", s.user_id AS "userId", s.amr,
              s.authenticated_at AS "authenticatedAt", s.aal2_verified_at AS "aal2VerifiedAt",
              s.last_active_at AS "lastActiveAt", s.created_at AS "createdAt",
              u.login_id AS "userLoginId", u.phone_e164 AS "userPhoneE164"
         FROM sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
        WHERE s.token_hash = $1 AND s.revoked_at IS NULL`,
      [tokenHash],
    );
    const row = rows[0];
    if (!row) return null;
    const { userLoginId, userPhoneE164, ...session } = row;
    return {
      session: { ...session, tokenHash, revokedAt: null, ip: null, userAgent: null },
      user: { id: session.userId, loginId: userLoginId, phoneE164: userPhoneE164 },
    };
  }

  async touch(tenantId: string, id: string, at: Date): Promise<void> {
    await this.manager.query(
      `UPDATE sessions SET last_active_at = $3 WHERE tenant_id = $1 AND id = $2 AND last_active_at < $3`,
      [tenantId, id, at],
    );
  }

  /** Revokes a live session; false when it was already revoked. */
  async revoke(tenantId: string, id: string, at: Date): Promise<boolean> {
    const result: [unknown[], number] = await this.manager.query(
      `UPDATE sessions SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL`,
      [tenantId, id, at],
    );
    return result[1] === 1;
  }

  async revokeAllForUser(tenantId: string, userId: string, at: Date, exceptSessionId?: string): Promise<number> {
    const result: [unknown[], number] = await this.manager.query(
      `UPDATE sessions SET revoked_at = $3
        WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL AND ($4::uuid IS NULL OR id <> $4::uuid)`,
      [tenantId, userId, at, exceptSessionId ?? null],
    );
    return result[1];
  }
}
