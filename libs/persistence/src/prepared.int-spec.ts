import { connect, createServer, Server, Socket } from 'node:net';
import { Pool } from 'pg';
import { createTestDatabase, TestDatabase } from '@honnin/testing';
import { preparedOn } from './prepared';

/**
 * A TCP proxy to the test database that drops a connection, unanswered, as soon as it carries a
 * statement containing `marker`: the database going away while a statement runs.
 */
async function startCuttingProxy(target: URL, marker: string): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    inbound.on('data', (chunk: Buffer) => {
      if (!chunk.includes(marker)) return void outbound.write(chunk);
      inbound.destroy();
      outbound.destroy();
    });
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy not listening');
  const url = new URL(target.toString());
  url.host = `127.0.0.1:${address.port}`;
  return {
    url: url.toString(),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('statements on the pool (preparedOn)', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(() => testDb.drop());

  it.each([
    ['named prepared statements', true],
    ['unnamed statements', false],
  ])('%s: a connection lost while its statement runs fails that statement only; the process and the pool carry on', async (_name, named) => {
    const proxy = await startCuttingProxy(new URL(testDb.url), 'cut_here');
    const pool = new Pool({ connectionString: proxy.url, max: 2 });
    // What the gateway's pool does with an idle connection's error (TypeORM logs it).
    pool.on('error', () => undefined);
    try {
      const run = preparedOn(pool, named);
      expect(await run('SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
      await expect(run("SELECT 'cut_here' AS never", [])).rejects.toThrow(/Connection terminated|ECONNRESET/);
      expect(await run('SELECT $1::int AS two', [2])).toEqual([{ two: 2 }]);
      expect(pool.totalCount).toBeLessThanOrEqual(2);
    } finally {
      await pool.end();
      await proxy.close();
    }
  });
});
