import { Client } from 'pg';

/**
 * What a request changed in the database, table by table and row by row: the isolation sweep asks
 * it of one tenant's rows, the GraphQL fuzz of every row. Each row is reduced to two hashes computed
 * in Postgres, so a snapshot stays small however wide the rows are.
 */
interface TableSpec {
  table: string;
  /** SQL giving the row's identity. */
  key: string;
  /** SQL true for the rows of tenant `$1`. */
  ofTenant: string;
  /** Columns written on reads by design, left out of both hashes. */
  ignored?: string[];
  /** Columns a refusal may still change (rules decide when); left out of the second hash only. */
  relaxed?: string[];
  /** A counter of attempts (rate limits, sends per prefix), moved by refusals by design. */
  counter?: boolean;
}

const TABLES: TableSpec[] = [
  { table: 'tenants', key: 'id::text', ofTenant: 'id = $1' },
  { table: 'users', key: 'id::text', ofTenant: 'tenant_id = $1' },
  // A session's activity is recorded at most once a minute on an authenticated request (sessions.ts).
  { table: 'sessions', key: 'id::text', ofTenant: 'tenant_id = $1', ignored: ['last_active_at'] },
  // Likewise a key's last use, on every request it authenticates.
  { table: 'api_keys', key: 'id::text', ofTenant: 'tenant_id = $1', ignored: ['last_used_at'] },
  { table: 'tenant_policy_versions', key: `tenant_id::text || '/' || version`, ofTenant: 'tenant_id = $1' },
  { table: 'sms_provider_configs', key: 'id::text', ofTenant: 'tenant_id = $1' },
  // A wrong code is counted before it is compared (SECURITY 5), and an expired one settles the challenge.
  { table: 'sms_challenges', key: 'id::text', ofTenant: 'tenant_id = $1', relaxed: ['attempts', 'status'] },
  { table: 'sms_outbox', key: 'id::text', ofTenant: 'tenant_id = $1' },
  { table: 'sms_prefix_holds', key: `tenant_id::text || '/' || prefix`, ofTenant: 'tenant_id = $1' },
  { table: 'sms_prefix_sends', key: `tenant_id::text || '/' || prefix || '/' || bucket_start`, ofTenant: 'tenant_id = $1', counter: true },
  // rate-limiter-flexible's rows: `<counter>:<tenant id>:<hmac>`, or `<counter>:<tenant id>` (rate-limits.ts keyOf).
  { table: 'rate_limits', key: 'key', ofTenant: `(key LIKE '%:' || $1::text || ':%' OR key LIKE '%:' || $1::text)`, counter: true },
];

export interface RowChange {
  table: string;
  key: string;
  kind: 'added' | 'removed' | 'changed';
  /** Only relaxed columns differ. */
  onlyRelaxed: boolean;
}

export interface NewAuditEvent {
  id: string;
  tenantId: string;
  type: string;
  outcome: string;
}

type Rows = Map<string, { full: string; strict: string }>;

export interface RowSnapshot {
  rows: Rows;
  /** The newest audit event id: audit_events is append-only (a trigger refuses the rest), so new rows are all a change can be. */
  auditHighWater: string;
}

export interface RowWatcherOptions {
  /** Only this tenant's rows; all rows when absent. */
  tenantId?: string;
  /** Take rate-limit and per-prefix send counters in too. */
  counters: boolean;
}

/** One connection held open for the life of a test file: snapshots are taken around every request. */
export class RowWatcher {
  private readonly client: Client;
  private readonly snapshotSql: string;
  private readonly params: string[];

  constructor(
    databaseUrl: string,
    private readonly options: RowWatcherOptions,
  ) {
    this.client = new Client({ connectionString: databaseUrl });
    const tables = TABLES.filter((spec) => options.counters || !spec.counter);
    this.snapshotSql = tables.map((spec) => selectOf(spec, options.tenantId !== undefined)).join('\nUNION ALL\n');
    this.params = options.tenantId === undefined ? [] : [options.tenantId];
  }

  async open(): Promise<this> {
    await this.client.connect();
    return this;
  }

  close(): Promise<void> {
    return this.client.end();
  }

  async snapshot(): Promise<RowSnapshot> {
    const result = await this.client.query<{ t: string; k: string; full: string; strict: string }>(this.snapshotSql, this.params);
    const rows: Rows = new Map();
    for (const row of result.rows) rows.set(`${row.t} ${row.k}`, { full: row.full, strict: row.strict });
    const high = await this.client.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM audit_events`);
    return { rows, auditHighWater: high.rows[0].id };
  }

  /** Audit events after `since` (of the watched tenant when there is one), oldest first. */
  async auditEventsAfter(since: RowSnapshot): Promise<NewAuditEvent[]> {
    const tenantFilter = this.options.tenantId === undefined ? '' : 'AND tenant_id = $2';
    const result = await this.client.query<NewAuditEvent>(
      `SELECT id::text AS id, tenant_id::text AS "tenantId", type, outcome FROM audit_events WHERE id > $1::bigint ${tenantFilter} ORDER BY id`,
      this.options.tenantId === undefined ? [since.auditHighWater] : [since.auditHighWater, this.options.tenantId],
    );
    return result.rows;
  }
}

function selectOf(spec: TableSpec, perTenant: boolean): string {
  const ignored = jsonbWithout('to_jsonb(x)', spec.ignored ?? []);
  const strict = jsonbWithout(ignored, spec.relaxed ?? []);
  return `SELECT '${spec.table}' AS t, ${spec.key} AS k, md5((${ignored})::text) AS full, md5((${strict})::text) AS strict
    FROM ${spec.table} x WHERE ${perTenant ? spec.ofTenant : 'true'}`;
}

function jsonbWithout(expression: string, columns: string[]): string {
  return columns.length ? `(${expression} - '{${columns.join(',')}}'::text[])` : expression;
}

/** Rows added, removed or changed between two snapshots. */
export function rowChanges(before: RowSnapshot, after: RowSnapshot): RowChange[] {
  const changes: RowChange[] = [];
  const tableOf = (id: string) => id.slice(0, id.indexOf(' '));
  const keyOf = (id: string) => id.slice(id.indexOf(' ') + 1);
  for (const [id, row] of after.rows) {
    const old = before.rows.get(id);
    if (!old) changes.push({ table: tableOf(id), key: keyOf(id), kind: 'added', onlyRelaxed: false });
    else if (old.full !== row.full) changes.push({ table: tableOf(id), key: keyOf(id), kind: 'changed', onlyRelaxed: old.strict === row.strict });
  }
  for (const id of before.rows.keys()) {
    if (!after.rows.has(id)) changes.push({ table: tableOf(id), key: keyOf(id), kind: 'removed', onlyRelaxed: false });
  }
  return changes;
}

export function describeChange(change: RowChange): string {
  return `${change.table} ${change.key} ${change.kind}${change.onlyRelaxed ? ' (attempts or status only)' : ''}`;
}
