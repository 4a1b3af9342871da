import { createHash } from 'node:crypto';
import { DatabaseError, type Pool, type PoolClient } from 'pg';
import { QueryFailedError } from 'typeorm';

/** Runs one statement; answers pg's result rows. */
export type RunStatement = <R = Record<string, unknown>>(sql: string, params: readonly unknown[]) => Promise<R[]>;

/** Statement names by text, so a hot statement is hashed once. */
const names = new Map<string, string>();
const MAX_NAMES = 2000;
/**
 * How long a connection keeps the plans of its prepared statements. A plan made while a table was
 * small scans it whole, and stays as the table grows until statistics are next gathered (a minute or
 * more away on a new database filling fast): planning again this often keeps plans right for the
 * tables as they are, for the cost of one plan per statement and connection each period.
 */
const REPLAN_AFTER_MS = 10_000;

/**
 * Statements on the pool, with `named`, as named prepared statements: each is parsed and planned once
 * per connection, not on every call. Only for statements whose text is one of a bounded set (the text
 * names the statement, and each connection keeps every one it prepared). Not on the embedded database,
 * whose one session outlives the driver's record of what it prepared there. A failure is the
 * QueryFailedError TypeORM would have thrown, so callers and the log serializer see one kind of error.
 */
export function preparedOn(pool: Pool, named: boolean): RunStatement {
  const plannedAt = new WeakMap<PoolClient, number>();
  return async <R>(sql: string, params: readonly unknown[]) => {
    const client = await pool.connect();
    // The pool listens for a connection's errors only while it is idle: one dying while checked out
    // (Postgres shutting down) would otherwise be an unhandled 'error' event and end the process.
    let lost: Error | undefined;
    const onError = (error: Error) => (lost = error);
    client.on('error', onError);
    try {
      if (!named) return (await client.query({ text: sql, values: [...params] })).rows as R[];
      const now = Date.now();
      const since = plannedAt.get(client);
      if (since === undefined || now - since > REPLAN_AFTER_MS) {
        if (since !== undefined) await client.query('DISCARD PLANS');
        plannedAt.set(client, now);
      }
      return (await client.query({ name: statementName(sql), text: sql, values: [...params] })).rows as R[];
    } catch (error) {
      if (error instanceof DatabaseError) throw new QueryFailedError(sql, [...params], error);
      throw error;
    } finally {
      client.off('error', onError);
      // A connection that failed goes out of the pool instead of back to it.
      client.release(lost);
    }
  };
}

function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `h${createHash('sha256').update(sql).digest('base64url').slice(0, 24)}`;
    if (names.size < MAX_NAMES) names.set(sql, name);
  }
  return name;
}
