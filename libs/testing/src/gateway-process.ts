import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface GatewayProcess {
  url: string;
  operatorToken: string;
  /** Every line the process wrote to stdout and stderr. */
  output(): string;
  /** SIGTERM, wait for exit; resolves to the exit code. */
  stop(): Promise<number | null>;
  kill(): void;
  child: ChildProcess;
}

export interface GatewayProcessOptions {
  /** Absent: the embedded database in `dataDir` (a fresh temporary folder unless given). */
  databaseUrl?: string | null;
  dataDir?: string;
  env?: Record<string, string>;
  /** The built entry point; default dist/apps/gateway/main.js of this checkout. */
  entry?: string;
  readyTimeoutMs?: number;
}

export const WORKSPACE_ROOT = resolve(__dirname, '../../..');

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Starts the built gateway as a user would run it and waits until /readyz answers 200. */
export async function startGatewayProcess(options: GatewayProcessOptions = {}): Promise<GatewayProcess> {
  const port = await freePort();
  const operatorToken = `operator-${randomBytes(16).toString('hex')}`;
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    PORT: String(port),
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    OPERATOR_TOKEN: operatorToken,
    HONNIN_SECRET: randomBytes(32).toString('hex'),
    HONNIN_DATA_DIR: options.dataDir ?? mkdtempSync(join(tmpdir(), 'honnin-e2e-')),
    ...options.env,
  };
  if (options.databaseUrl) env['DATABASE_URL'] = options.databaseUrl;
  const child = spawn(process.execPath, [options.entry ?? join(WORKSPACE_ROOT, 'dist/apps/gateway/main.js')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}:\n${output.slice(-4000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gateway not ready in time:\n${output.slice(-4000)}`);
    }
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    operatorToken,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: () => child.kill('SIGKILL'),
  };
}
