/** One data-changing statement, its parameters numbered from $1, that can run alone or with others as one. */
export interface Write {
  readonly sql: string;
  readonly params: readonly unknown[];
  /**
   * Set when the statement only inserts new rows (`insertRows`): such writes of several callers can
   * share one statement (`mergeInserts`), as no two of them can touch the same row.
   */
  readonly inserted?: InsertedRows;
}

export interface InsertedRows {
  readonly table: string;
  readonly columns: readonly string[];
  /** Column → value, each row with every column. */
  readonly rows: readonly Readonly<Record<string, unknown>>[];
}

/** A NOTIFY to deliver when the write commits. */
export interface Notification {
  readonly channel: string;
  readonly payload: string;
}

/**
 * Several writes as ONE statement of data-modifying CTEs: one round trip and, outside a transaction,
 * one commit, all or nothing. Foreign keys between the rows hold, as they are checked at the end of
 * the statement. The notifications ride in the same statement (`pg_notify`), so they go out on commit.
 */
export function combineWrites(writes: readonly Write[], notifications: readonly Notification[]): Write {
  const params: unknown[] = [];
  const ctes = writes.map((write, i) => {
    const offset = params.length;
    params.push(...write.params);
    return `w${i} AS (${write.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
  });
  const notifies = notifications.map((n) => {
    params.push(n.channel, n.payload);
    return `pg_notify($${params.length - 1}, $${params.length})`;
  });
  const select = `SELECT ${notifies.length > 0 ? notifies.join(', ') : '1'}`;
  return { sql: ctes.length > 0 ? `WITH ${ctes.join(', ')} ${select}` : select, params };
}

/** The INSERT of rows given as column → value, all with the first row's columns (`insertValues`). */
export function insertRows(table: string, rows: readonly Readonly<Record<string, unknown>>[]): Write {
  return insertValues({ table, columns: Object.keys(rows[0] ?? {}), rows });
}

/**
 * `INSERT INTO table (columns) SELECT columns FROM json_populate_recordset(NULL::table, $1)`: the rows
 * as one JSON parameter, which Postgres reads with the table's own column types. However many rows, the
 * text is the same for a table and column list, so the statement is prepared once and not planned again.
 */
function insertValues(inserted: InsertedRows): Write {
  const columns = inserted.columns.join(', ');
  return {
    sql: `INSERT INTO ${inserted.table} (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::${inserted.table}, $1::json)`,
    // Only when the insert runs alone: merged with others' (`mergeInserts`), its rows go in their JSON.
    get params() {
      return [JSON.stringify(jsonRowsOf(inserted))];
    },
    inserted,
  };
}

/**
 * The rows as `json_populate_recordset` reads them: each column by name, in JSON, bytea in Postgres's
 * hex form. A date becomes its ISO string once however many columns hold it (the rows of one write
 * share their timestamps, and formatting dates is most of what turning rows into JSON costs).
 */
export function jsonRowsOf(inserted: InsertedRows): Record<string, unknown>[] {
  const isoOf = new Map<Date, string>();
  const jsonValue = (value: unknown): unknown => {
    if (value === undefined || value === null) return null;
    if (value instanceof Date) {
      let iso = isoOf.get(value);
      if (iso === undefined) isoOf.set(value, (iso = value.toISOString()));
      return iso;
    }
    return Buffer.isBuffer(value) ? `\\x${value.toString('hex')}` : value;
  };
  return inserted.rows.map((row) => {
    const json: Record<string, unknown> = {};
    for (const column of inserted.columns) json[column] = jsonValue(row[column]);
    return json;
  });
}

/** What one caller of a shared statement inserts, if the statement lets it, and the NOTIFYs of that. */
export interface RequestedInserts {
  readonly inserts: readonly Write[];
  readonly notifications: readonly Notification[];
}

/**
 * The inserts of several callers in one statement, made only for the callers another part of the
 * statement grants: `requests`, ONE JSON document holding each caller's number (`n`, its index), rows
 * by table (`rows`) and NOTIFYs (`notify`, empty when `notify` is false: the embedded database, whose
 * caller delivers them), which `grantedRequests` reads as a relation; and the CTEs inserting the rows
 * and sending the NOTIFYs of a relation `granted` with columns `rows` and `notify`. The text depends
 * only on which tables get rows. One document rather than a json[] parameter: pg would write each
 * element of an array again with its quotes escaped, most of what a batch's parameters cost.
 */
export function grantedInserts(requests: readonly RequestedInserts[], notify: boolean): { requests: string; ctes: (granted: string) => string[] } {
  const targets = new Map<string, readonly string[]>();
  for (const { inserted } of requests.flatMap((request) => request.inserts)) {
    if (!inserted) throw new Error('only inserts of new rows can be granted');
    const known = targets.get(inserted.table);
    if (known && known.join() !== inserted.columns.join()) throw new Error(`two column lists for ${inserted.table}`);
    targets.set(inserted.table, inserted.columns);
  }
  const tables = [...targets.keys()].sort();
  return {
    requests: JSON.stringify(
      requests.map((request, n) => ({
        n,
        rows: Object.fromEntries(tables.map((table) => [table, request.inserts.flatMap((write) => (write.inserted?.table === table ? jsonRowsOf(write.inserted) : []))])),
        notify: notify ? request.notifications : [],
      })),
    ),
    ctes: (granted) => [
      ...tables.map((table, i) => {
        const columns = targets.get(table) ?? [];
        return `insert${i} AS (INSERT INTO ${table} (${columns.join(', ')})
          SELECT ${columns.map((column) => `r.${column}`).join(', ')} FROM ${granted} g, json_populate_recordset(NULL::${table}, g.rows -> '${table}') r)`;
      }),
      `notified AS (SELECT count(pg_notify(x.channel, x.payload)) AS count FROM ${granted} g, json_to_recordset(g.notify) AS x(channel text, payload text))`,
    ],
  };
}

/** `grantedInserts`' `requests` (the parameter `param`) as a relation `alias` of columns n, rows and notify. */
export function grantedRequests(param: string, alias: string): string {
  return `json_to_recordset(${param}::json) AS ${alias}(n int, rows json, notify json)`;
}

/**
 * The rows of several inserts, as one INSERT per table (and column list) in the order the tables first
 * appear: what many callers' inserts cost as one statement. Every write must be an insert (`inserted`).
 */
export function mergeInserts(writes: readonly Write[]): Write[] {
  const byTarget = new Map<string, { table: string; columns: readonly string[]; rows: Readonly<Record<string, unknown>>[] }>();
  for (const { inserted } of writes) {
    if (!inserted) throw new Error('only inserts of new rows can be merged');
    const target = `${inserted.table}(${inserted.columns.join(',')})`;
    const merged = byTarget.get(target);
    if (merged) merged.rows.push(...inserted.rows);
    else byTarget.set(target, { table: inserted.table, columns: inserted.columns, rows: [...inserted.rows] });
  }
  return [...byTarget.values()].map(insertValues);
}

export function insertRow(table: string, row: Record<string, unknown>): Write {
  return insertRows(table, [row]);
}
