// `npm run test:reliability`: builds the gateway, runs the reliability suite
// (apps/gateway-e2e/src/reliability) and ends with one line: `Reliability: N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = { ...process.env, NX_DAEMON: 'false', NX_USE_LOCAL: 'true', NODE_OPTIONS: '--experimental-vm-modules --no-warnings=ExperimentalWarning' };
const build = spawnSync('npx', ['nx', 'run', 'gateway:build', '--output-style=static'], { stdio: 'inherit', env });
if (build.status !== 0) process.exit(build.status ?? 1);

const dir = mkdtempSync(join(tmpdir(), 'honnin-reliability-'));
const results = join(dir, 'results.json');
// --forceExit: a scenario that fails half-way can leave a child process's sockets open, and the run
// must end with its verdict instead of waiting on them for ever (CI would only see its own timeout).
const jest = spawnSync(
  'npx',
  ['jest', '-c', 'apps/gateway-e2e/jest.reliability.config.cjs', '--runInBand', '--forceExit', '--json', '--outputFile', results, ...process.argv.slice(2)],
  { stdio: 'inherit', env },
);
let passed = 0;
let failed = 0;
try {
  const summary = JSON.parse(readFileSync(results, 'utf8'));
  passed = summary.numPassedTests;
  failed = summary.numFailedTests + summary.numRuntimeErrorTestSuites;
} catch {
  failed = 1;
}
rmSync(dir, { recursive: true, force: true });
console.log(`Reliability: ${passed} passed, ${failed} failed`);
process.exit(jest.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
