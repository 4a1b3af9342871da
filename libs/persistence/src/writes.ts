/** One data-changing statement, its parameters numbered from $1, that can run alone or with others as one. */
export interface Write {
  readonly sql: string;
  readonly params: readonly unknown[];
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

/** `INSERT INTO table (columns) VALUES ($1, …), (…)` for rows given as column → value, all with the first row's columns. */
export function insertRows(table: string, rows: readonly Record<string, unknown>[]): Write {
  const columns = Object.keys(rows[0] ?? {});
  const params: unknown[] = [];
  const values = rows.map((row) => `(${columns.map((column) => `$${params.push(row[column])}`).join(', ')})`);
  return { sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')}`, params };
}

export function insertRow(table: string, row: Record<string, unknown>): Write {
  return insertRows(table, [row]);
}
