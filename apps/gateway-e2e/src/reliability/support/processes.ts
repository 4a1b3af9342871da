// Processes the reliability scenarios break on purpose: a private Postgres cluster to stop and start, a
// TCP port that can refuse connections, child processes to freeze and kill.
import { freePort } from '@honnin/testing';
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The server binaries (initdb, pg_ctl) of the installed Postgres: Debian keeps them off PATH.
const POSTGRES_BIN = process.env['POSTGRES_BIN'] ?? execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();

export interface PrivatePostgres {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: trust auth, the cluster's own default database. */
  readonly url: string;
  /** `pg_ctl start`, returning once the server accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: sessions are cut, committed work is kept (checkpoint at shutdown). */
  stop(): Promise<void>;
  /** The server's log file, for a failure message. */
  log(): string;
  /** Stops the server if it runs (immediate mode) and deletes the cluster. Safe to call twice. */
  destroy(): Promise<void>;
}

/** Clusters still to delete when the test process exits without its afterAll (a crash, a timeout). */
const liveClusters = new Set<{ dataDir: string; dir: string }>();
process.once('exit', () => {
  for (const cluster of liveClusters) {
    try {
      execFileSync('runuser', ['-u', 'postgres', '--', join(POSTGRES_BIN, 'pg_ctl'), '-D', cluster.dataDir, '-m', 'immediate', '-w', 'stop'], { stdio: 'ignore' });
    } catch {
      // already stopped
    }
    rmSync(cluster.dir, { recursive: true, force: true });
  }
});

function run(command: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Runs a Postgres binary as the `postgres` user (initdb and the server refuse to run as root). */
function asPostgres(binary: string, args: string[]): Promise<string> {
  return run('runuser', ['-u', 'postgres', '--', join(POSTGRES_BIN, binary), ...args]);
}

/**
 * A Postgres cluster of its own on a free port (initdb into a temporary folder owned by `postgres`,
 * socket in that folder too), started. Nothing is shared with the cluster on 5432, which must never
 * be stopped.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'honnin-pg-'));
  const cluster = { dir, dataDir: join(dir, 'data') };
  liveClusters.add(cluster);
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(dir, uid, gid);
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  let running = false;
  try {
    await asPostgres('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  } catch (error) {
    liveClusters.delete(cluster);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const pgCtl = (...args: string[]) => asPostgres('pg_ctl', ['-D', cluster.dataDir, ...args]);
  const instance: PrivatePostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await pgCtl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, '-l', logFile, '-w', '-t', '60', 'start');
      running = true;
    },
    async stop() {
      await pgCtl('-m', 'fast', '-w', '-t', '60', 'stop');
      running = false;
    },
    log() {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    async destroy() {
      if (!liveClusters.has(cluster)) return;
      if (running) await pgCtl('-m', 'immediate', '-w', 'stop').catch(() => undefined);
      running = false;
      liveClusters.delete(cluster);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await instance.start();
  } catch (error) {
    await instance.destroy();
    throw error;
  }
  return instance;
}

export interface SwitchablePort {
  /** `http://127.0.0.1:<port>`: the same address whether it is open or shut. */
  readonly url: string;
  readonly port: number;
  /** Listens again and forwards every connection to the target. */
  open(): Promise<void>;
  /** Stops listening and cuts the connections in progress: a connect now gets ECONNREFUSED. */
  shut(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP forwarder in front of `target` (a fake provider) that can be shut and opened again on the same
 * port, so a client configured with its address sees a provider that refuses connections, then is back.
 */
export async function startSwitchablePort(target: { port: number }): Promise<SwitchablePort> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | null = null;

  function forward(client: Socket): void {
    const upstream = connect(target.port, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  const gate: SwitchablePort = {
    url: `http://127.0.0.1:${port}`,
    port,
    async open() {
      if (server) return;
      const listening = createServer(forward);
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, '127.0.0.1', () => resolve());
      });
      server = listening;
    },
    async shut() {
      const closing = server;
      server = null;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    close: () => gate.shut(),
  };
  await gate.open();
  return gate;
}

/**
 * SIGSTOP: the process keeps its connections and its place but runs nothing until thawed, so what it
 * would do next (claim, send) can be decided by the test. Returns the SIGCONT.
 */
export function freeze(child: ChildProcess): () => void {
  if (child.pid === undefined) throw new Error('freeze: the process has no pid');
  const pid = child.pid;
  process.kill(pid, 'SIGSTOP');
  return () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGCONT');
  };
}

/** One line on stderr with what a scenario measured, so the suite's output carries its numbers. */
export function reportMeasurement(scenario: string, facts: Record<string, unknown>): void {
  const text = Object.entries(facts)
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  process.stderr.write(`[reliability] ${scenario}: ${text}\n`);
}

