import { EntityManager } from 'typeorm';
import { Batcher } from '../batcher';
import type { RunStatement } from '../prepared';
import { SessionEntity } from '../entities/session.entity';
import { insertRow, Write } from '../writes';

export type NewSession = Omit<SessionEntity, 'revokedAt'>;

/** The INSERT of a new session (its id made by the caller), to run alone or with what opens it. */
export function sessionInsert(s: NewSession): Write {
  return insertRow('sessions', {
    id: s.id, tenant_id: s.tenantId, user_id: s.userId, token_hash: s.tokenHash, amr: s.amr, authenticated_at: s.authenticatedAt,
    aal2_verified_at: s.aal2VerifiedAt, last_active_at: s.lastActiveAt, created_at: s.createdAt, ip: s.ip, user_agent: s.userAgent,
  });
}

/** Ends a live session, to run with what replaces it. */
export function sessionRevoke(tenantId: string, id: string, at: Date): Write {
  return { sql: `UPDATE sessions SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL`, params: [tenantId, id, at] };
}

/** A live session joined with what every signed-in request needs of its user. */
export interface SessionWithUser {
  session: SessionEntity;
  user: { id: string; loginId: string; phoneE164: string | null };
}

interface SessionRow extends SessionEntity {
  userLoginId: string;
  userPhoneE164: string | null;
}

const LIVE_BY_TOKEN_HASHES = `SELECT s.id, s.tenant_id AS "tenantId", s.user_id AS "userId", s.token_hash AS "tokenHash", s.amr,
       s.authenticated_at AS "authenticatedAt", s.aal2_verified_at AS "aal2VerifiedAt",
       s.last_active_at AS "lastActiveAt", s.created_at AS "createdAt",
       u.login_id AS "userLoginId", u.phone_e164 AS "userPhoneE164"
  FROM sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
 WHERE s.token_hash = ANY($1::bytea[]) AND s.revoked_at IS NULL`;

export class SessionRepository {
  /** Lookups made at about the same time, as one statement: the one query every signed-in request makes. */
  private readonly lookups: Batcher<Buffer, SessionWithUser | null>;

  /** `run`: the store's statements of the hot paths (prepared outside a transaction). */
  constructor(
    private readonly manager: EntityManager,
    private readonly run: RunStatement,
  ) {
    // Reads that lock nothing: a request arriving while a batch runs need not wait for it to come back.
    this.lookups = new Batcher((hashes) => this.findLiveByTokenHashes(hashes), { maxInFlight: 3 });
  }

  async create(session: NewSession): Promise<SessionEntity> {
    const write = sessionInsert(session);
    await this.manager.query(write.sql, [...write.params]);
    return { ...session, revokedAt: null };
  }

  /** The live session holding the token of this hash, with its user; null when none does. */
  findLiveByTokenHash(tokenHash: Buffer): Promise<SessionWithUser | null> {
    return this.lookups.add(tokenHash);
  }

  /** Each hash's live session, in the order given (a hash asked twice gets two copies). */
  private async findLiveByTokenHashes(hashes: Buffer[]): Promise<(SessionWithUser | null)[]> {
    const distinct = [...new Map(hashes.map((hash) => [hash.toString('hex'), hash])).values()];
    const rows = await this.run<SessionRow>(LIVE_BY_TOKEN_HASHES, [distinct]);
    const byHash = new Map(rows.map((row) => [row.tokenHash.toString('hex'), row]));
    return hashes.map((hash) => {
      const row = byHash.get(hash.toString('hex'));
      if (!row) return null;
      const { userLoginId, userPhoneE164, ...session } = row;
      return {
        session: { ...session, revokedAt: null, ip: null, userAgent: null },
        user: { id: session.userId, loginId: userLoginId, phoneE164: userPhoneE164 },
      };
    });
  }

  async touch(tenantId: string, id: string, at: Date): Promise<void> {
    await this.manager.query(
      `UPDATE sessions SET last_active_at = $3 WHERE tenant_id = $1 AND id = $2 AND last_active_at < $3`,
      [tenantId, id, at],
    );
  }

  /** Revokes a live session; false when it was already revoked. */
  async revoke(tenantId: string, id: string, at: Date): Promise<boolean> {
    const write = sessionRevoke(tenantId, id, at);
    const result: [unknown[], number] = await this.manager.query(write.sql, [...write.params]);
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
