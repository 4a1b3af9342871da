import { grantedInserts, grantedRequests, Notification, RequestedInserts, Write } from '../writes';

/** What a right code grants, written only if the code's challenge is spent by it. */
export interface ChallengeCompletion extends RequestedInserts {
  tenantId: string;
  challengeId: string;
  userId: string;
  at: Date;
  /** An enrolment: the number to attach to the user; `unique`: the tenant allows one account per number. */
  phone: { e164: string; unique: boolean } | null;
  /** A step-up: the session the new one replaces. */
  revokeSessionId: string | null;
  /** New rows (the new session, audit events, a change notice), inserted with the spend or not at all. */
  inserts: readonly Write[];
  notifications: readonly Notification[];
}

/**
 * `completed`: spent, and everything it grants is stored. `not_pending`: someone spent it first, or it
 * expired or ended meanwhile; nothing changed. `phone_taken`: the challenge could be spent, but another
 * user of the tenant holds the number; nothing changed.
 */
export type CompletionOutcome = 'completed' | 'not_pending' | 'phone_taken';

/**
 * The completions of several challenges as ONE statement whose text depends only on which tables get
 * new rows, so it is prepared once: each challenge is spent if it is still pending and live and its
 * number (for an enrolment) is not another user's, and only the spent ones attach their number, end
 * the session they replace, insert their rows and send their NOTIFYs (unless `notify` is false: the
 * embedded database, whose caller delivers them in-process). A clash on the unique number key
 * (two users attaching one number at once) fails the statement, and nothing of it is stored.
 * No two completions may share a challenge, user or session (`Batcher` keysOf).
 */
export function completionStatement(completions: readonly ChallengeCompletion[], notify: boolean): { sql: string; params: unknown[] } {
  const granted = grantedInserts(completions, notify);
  const column = <T>(pick: (c: ChallengeCompletion) => T) => completions.map(pick);
  const params = [
    completions.map((_, n) => n), column((c) => c.tenantId), column((c) => c.challengeId), column((c) => c.userId), column((c) => c.at.toISOString()),
    column((c) => c.phone?.e164 ?? null), column((c) => c.phone?.unique ?? false), column((c) => c.revokeSessionId), granted.requests,
  ];
  // The keys as arrays, not one JSON document: the planner reckons with a handful of them and looks the
  // rows up by their keys, where a JSON set's hundred would have it scan whole tables. The new rows,
  // which are only inserted, come as one document (`grantedRequests`) joined to the spent ones.
  const sql = `WITH input AS (
      SELECT * FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::text[], $7::boolean[], $8::uuid[])
        AS i(n, tenant_id, challenge_id, user_id, at, phone, unique_phone, revoke_session_id)),
    pending AS (
      SELECT i.n FROM input i JOIN sms_challenges c ON c.id = i.challenge_id AND c.tenant_id = i.tenant_id
       WHERE c.status = 'PENDING' AND c.expires_at > i.at),
    taken AS (
      SELECT i.n FROM input i
       WHERE i.phone IS NOT NULL AND i.unique_phone
         AND EXISTS (SELECT 1 FROM users o WHERE o.tenant_id = i.tenant_id AND o.phone_e164 = i.phone AND o.id <> i.user_id)),
    spent AS (
      UPDATE sms_challenges c SET status = 'VERIFIED', verified_at = i.at
        FROM input i
       WHERE c.id = i.challenge_id AND c.tenant_id = i.tenant_id AND c.status = 'PENDING' AND c.expires_at > i.at
         AND NOT EXISTS (SELECT 1 FROM taken t WHERE t.n = i.n)
      RETURNING i.n),
    won AS (SELECT i.* FROM input i JOIN spent s ON s.n = i.n),
    phones AS (
      UPDATE users u SET phone_e164 = g.phone, phone_unique_key = CASE WHEN g.unique_phone THEN g.phone END, phone_verified_at = g.at
        FROM won g
       WHERE g.phone IS NOT NULL AND u.tenant_id = g.tenant_id AND u.id = g.user_id),
    revoked AS (
      UPDATE sessions s SET revoked_at = g.at
        FROM won g
       WHERE g.revoke_session_id IS NOT NULL AND s.tenant_id = g.tenant_id AND s.id = g.revoke_session_id AND s.revoked_at IS NULL),
    granted AS (SELECT d.* FROM won w JOIN ${grantedRequests('$9', 'd')} ON d.n = w.n),
    ${granted.ctes('granted').join(',\n    ')}
    SELECT i.n, EXISTS (SELECT 1 FROM spent s WHERE s.n = i.n) AS spent,
           EXISTS (SELECT 1 FROM taken t WHERE t.n = i.n) AND EXISTS (SELECT 1 FROM pending p WHERE p.n = i.n) AS taken
      FROM input i CROSS JOIN notified ORDER BY i.n`;
  return { sql, params };
}

/** The outcome of each completion from the statement's rows (one per completion, in order). */
export function completionOutcomes(rows: readonly { spent: boolean; taken: boolean }[]): CompletionOutcome[] {
  return rows.map((row) => (row.spent ? 'completed' : row.taken ? 'phone_taken' : 'not_pending'));
}
