import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** A postgres:// URL for a pool of exactly one connection. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite (Postgres compiled to WASM) in `dataDir` and serves it on a loopback port.
 * PGlite has one session for everybody, so the caller must use a pool of size 1: two transactions
 * then can never interleave. The server admits a second connection only so that a pool replacing
 * its connection is not refused while the old socket is still closing.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  mkdirSync(dataDir, { recursive: true });
  const lock = lockDataDir(dataDir);
  try {
    const db = await PGlite.create(dataDir);
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
    await server.start();
    return {
      url: `postgres://postgres@${server.getServerConn()}/postgres`,
      async stop() {
        await server.stop();
        await db.close();
        lock.release();
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** Two processes opening one PGlite directory would corrupt it: the first one holds a pid lock. */
function lockDataDir(dataDir: string): { release(): void } {
  const file = join(dataDir, 'honnin.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return { release: () => rmSync(file, { force: true }) };
    } catch {
      const holder = Number(readFileSync(file, 'utf8'));
      if (holder && holder !== process.pid && processAlive(holder)) {
        throw new Error(`the embedded database in ${dataDir} is in use by process ${holder}; stop it or set DATABASE_URL`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot lock the embedded database in ${dataDir}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
