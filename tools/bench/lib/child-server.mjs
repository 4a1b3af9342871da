// Starts a server as a child process in its own process group, waits for GET /readyz (or for a line
// in its log, for a process that serves no HTTP), and stops the whole group (SIGTERM, then SIGKILL)
// however the bench ends.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * @param {{ name: string, args: string[], env: Record<string, string>, cwd: string, logPath: string, readyLogLine?: string, readyTimeoutMs?: number }} options
 *   args: the arguments after the node executable (flags, then the entry file).
 *   readyLogLine: ready once the log holds this text, instead of once GET /readyz answers 2xx.
 */
export async function startChildServer({ name, args, env, cwd, logPath, readyLogLine, readyTimeoutMs = 60_000 }) {
  const port = await freePort();
  const log = openSync(logPath, 'w');
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...env, PORT: String(port) },
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const server = {
    name,
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    logTail: (chars = 3000) => readFileSync(logPath, 'utf8').slice(-chars),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child.pid, 'SIGTERM');
      const outcome = await Promise.race([exited, sleep(10_000).then(() => 'timeout')]);
      if (outcome === 'timeout') {
        signalGroup(child.pid, 'SIGKILL');
        await exited;
      }
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${server.logTail()}`);
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${name} was not ready within ${readyTimeoutMs} ms:\n${server.logTail()}`);
    }
    if (readyLogLine !== undefined) {
      if (readFileSync(logPath, 'utf8').includes(readyLogLine)) return server;
    } else {
      try {
        if ((await fetch(`${server.url}/readyz`)).ok) return server;
      } catch {
        // not listening yet
      }
    }
    await sleep(200);
  }
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}
