import { Client } from 'pg';

/** Runs `work` with a short-lived client on `url`, for assertions about what a test left in the database. */
export async function withDatabase<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Row count of every table of ours (migrations excepted), by table name. */
export function countRows(url: string): Promise<Record<string, number>> {
  return withDatabase(url, async (client) => {
    const tables = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'migrations' ORDER BY 1`,
    );
    const counts: Record<string, number> = {};
    for (const { name } of tables.rows) {
      const result = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${name}"`);
      counts[name] = result.rows[0].n;
    }
    return counts;
  });
}

/** Every row of every table of ours as text, to scan for secrets that must never be stored in clear. */
export function dumpAllRows(url: string): Promise<string> {
  return withDatabase(url, async (client) => {
    const tables = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    const parts: string[] = [];
    for (const { name } of tables.rows) {
      const result = await client.query(`SELECT t::text AS row FROM "${name}" t`);
      parts.push(...result.rows.map((r: { row: string }) => `${name}: ${r.row}`));
    }
    return parts.join('\n');
  });
}
