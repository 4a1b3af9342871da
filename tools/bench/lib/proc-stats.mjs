// What the kernel says about a process: CPU time, peak resident memory, and the machine itself.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time of every thread of `pid`, in milliseconds (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuMillis(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

// A Postgres process title names the database of a client backend ("postgres: 15/main: <user> <database>
// <host>(<port>) <state>") and of an autovacuum worker ("… autovacuum worker <database>").
const CLIENT_BACKEND_TITLE = /^postgres: (?:.*: )?\S+ (\S+) (?:\[local\]|\S+\(\d+\))/;
const AUTOVACUUM_WORKER_TITLE = /autovacuum worker (\S+)/;

/**
 * User + system CPU time, in milliseconds per pid, of the Postgres processes (`/proc/<pid>/comm` is
 * `postgres`) that work for `databases`: their client backends and autovacuum workers, and the
 * cluster's own processes (postmaster, checkpointer, background and WAL writers, launchers). Backends
 * and workers of other databases are left out: other work on a shared cluster is not this bench's.
 * @param {Set<string>} databases
 * @returns {Map<number, number>}
 */
export function postgresCpuMillis(databases) {
  const cpu = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+/g, ' ').trim();
      const database = CLIENT_BACKEND_TITLE.exec(title)?.[1] ?? AUTOVACUUM_WORKER_TITLE.exec(title)?.[1];
      if (database !== undefined && !databases.has(database)) continue;
      cpu.set(pid, cpuMillis(pid));
    } catch {
      // the process ended while being read
    }
  }
  return cpu;
}

/**
 * CPU milliseconds the processes of `after` spent since `before` (both from postgresCpuMillis): a
 * process that started in between counts from zero; one that ended in between is not seen.
 */
export function cpuMillisSince(before, after) {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** Peak resident set size (VmHWM) of `pid`, in MiB. */
export function peakRssMiB(pid) {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/**
 * Resets VmHWM to the current RSS so the next reading is the peak of one scenario. Needs write
 * access to /proc/<pid>/clear_refs (own process or root); returns false where that is refused,
 * and the peak then covers the process's whole life.
 */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU time the whole machine spent busy (every core, every process), in milliseconds, from /proc/stat. */
export function machineBusyMillis() {
  const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq) * 1000) / CLOCK_TICKS_PER_SECOND;
}

export function machineDescription() {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // not Linux: os.cpus() is as good as it gets
  }
  return {
    cores: os.availableParallelism(),
    model,
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
  };
}
