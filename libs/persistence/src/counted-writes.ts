import { grantedInserts, grantedRequests, RequestedInserts } from './writes';

/**
 * A counter of `rate_limits` (RateLimiterPostgres's rows: key, points, expire in epoch ms) that a write
 * counts one more on, and the most it may reach for the write to be made.
 */
export interface CountedLimit {
  key: string;
  /** When the counter's window ends if this count starts a new one (epoch ms). */
  expiresAt: number;
  limit: number;
}

/**
 * RateLimiterPostgres's upsert of `rate_limits` rows: `rows` (SQL giving key, points, expire) are
 * added to their counters, and a counter whose window ended at `now` (epoch ms, SQL) starts a new one
 * with them. Answers each counter's key, points and expire as it left it.
 */
export function rateLimitUpsert(rows: string, now: string): string {
  return `INSERT INTO rate_limits (key, points, expire) ${rows}
      ON CONFLICT (key) DO UPDATE SET
        points = CASE WHEN rate_limits.expire <= ${now} THEN EXCLUDED.points ELSE rate_limits.points + EXCLUDED.points END,
        expire = CASE WHEN rate_limits.expire <= ${now} THEN EXCLUDED.expire ELSE rate_limits.expire END
      RETURNING key, points, expire`;
}

/** Inserts made only if none of their counters goes over its limit. */
export interface CountedInserts extends RequestedInserts {
  readonly limits: readonly CountedLimit[];
}

/**
 * Whether the inserts were made, and each counter as they left it: counted in the order the callers
 * came, as if one after the other, so a caller sees the count its own write brought the counter to.
 */
export interface CountedWrite {
  written: boolean;
  counts: { points: number; expiresAt: number | null }[];
}

/**
 * The counters and inserts of several callers as ONE statement: every counter is counted (a caller
 * refused still counts; its caller gives back what it should), and each caller's rows are inserted
 * only if all its counters stayed within their limits. Counter rows are written in key order, so
 * two such statements never wait on each other in a cycle. `now`: epoch ms, for expired windows.
 */
export function countedWriteStatement(requests: readonly CountedInserts[], notify: boolean, now: number): { sql: string; params: unknown[] } {
  const granted = grantedInserts(requests, notify);
  const hits = requests.flatMap((request, n) => request.limits.map((limit, i) => ({ n, i, key: limit.key, expire: limit.expiresAt, lim: limit.limit })));
  // JSON documents rather than arrays, which pg would write again element by element with their quotes escaped.
  const params = [JSON.stringify(hits), now, granted.requests];
  const sql = `WITH hits AS (
      SELECT * FROM json_to_recordset($1::json) AS h(n int, i int, key text, expire bigint, lim int)),
    counted AS (${rateLimitUpsert('SELECT key, count(*)::int, min(expire) FROM hits GROUP BY key ORDER BY key', '$2')}),
    at_hit AS (
      SELECT h.n, h.i, h.lim, c.expire,
             (c.points - count(*) OVER (PARTITION BY h.key ORDER BY h.n DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))::int AS points
        FROM hits h JOIN counted c ON c.key = h.key),
    granted AS (
      SELECT * FROM ${grantedRequests('$3', 'r')}
       WHERE NOT EXISTS (SELECT 1 FROM at_hit a WHERE a.n = r.n AND a.points > a.lim)),
    ${granted.ctes('granted').join(',\n    ')}
    SELECT NULL::int AS n, NULL::int AS i, NULL::int AS points, NULL::bigint AS expire, (SELECT count FROM notified) AS notified
    UNION ALL
    SELECT a.n, a.i, a.points, a.expire, NULL FROM at_hit a`;
  return { sql, params };
}

/** Each caller's outcome, from the statement's rows. */
export function countedWrites(requests: readonly CountedInserts[], rows: readonly { n: number | null; i: number | null; points: number | null; expire: string | null }[]): CountedWrite[] {
  const counts = requests.map((request) => request.limits.map(() => ({ points: 0, expiresAt: null as number | null })));
  for (const row of rows) {
    if (row.n === null || row.i === null || row.points === null) continue;
    counts[row.n][row.i] = { points: row.points, expiresAt: row.expire === null ? null : Number(row.expire) };
  }
  return requests.map((request, n) => ({
    written: request.limits.every((limit, i) => counts[n][i].points <= limit.limit),
    counts: counts[n],
  }));
}
