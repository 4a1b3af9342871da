// The printed table (fixed-width columns, one row per run, in run order) and the floor's summary.

/** Floor runs further apart than this (of their mean) mean other work competed with the bench. */
export const NOISY_FLOOR_SPREAD = 0.15;

const COLUMNS = [
  { title: 'scenario', width: 31, align: 'left', value: (row) => row.label },
  { title: 'req/s', width: 7, value: (row) => row.requestsPerSecond.toFixed(0) },
  { title: 'p50 ms', width: 7, value: (row) => row.p50.toFixed(1) },
  { title: 'p99 ms', width: 7, value: (row) => row.p99.toFixed(1) },
  { title: 'errors', width: 6, value: (row) => String(row.errors) },
  { title: 'vs floor', width: 8, value: (row) => (row.ratioToFloor === null ? '—' : `${(row.ratioToFloor * 100).toFixed(1)}%`) },
  { title: 'CPU ms/req', width: 10, value: (row) => row.cpuMsPerRequest.toFixed(3) },
  { title: 'pg CPU ms/req', width: 13, value: (row) => row.pgCpuMsPerRequest.toFixed(3) },
  { title: 'srv CPU%', width: 8, value: (row) => row.serverCpuPercent.toFixed(0) },
  { title: 'pg CPU%', width: 7, value: (row) => row.pgCpuPercent.toFixed(0) },
  { title: 'gen CPU%', width: 8, value: (row) => row.generatorCpuPercent.toFixed(0) },
  { title: 'rest CPU%', width: 9, value: (row) => row.restCpuPercent.toFixed(0) },
  { title: 'peak RSS MiB', width: 12, value: (row) => `${row.peakRssMiB.toFixed(0)}${row.peakIsLifetime ? '*' : ''}` },
];

const cell = (text, column) => (column.align === 'left' ? text.padEnd(column.width) : text.padStart(column.width));

export function formatTable(rows) {
  const header = COLUMNS.map((column) => cell(column.title, column)).join(' ');
  const lines = [header, '-'.repeat(header.length)];
  for (const row of rows) lines.push(COLUMNS.map((column) => cell(column.value(row), column)).join(' '));
  return lines.join('\n');
}

/**
 * The floor's runs (rows of the scenario named 'floor') taken together: the mean of their req/s, which
 * every "vs floor" ratio divides by, and how far apart they were. Null without a floor run.
 */
export function floorSummary(rows) {
  return runsSummary(rows, 'floor');
}

/** The runs of one scenario taken together (means and spread, as for the floor); null when it did not run. */
export function runsSummary(rows, name) {
  const runs = rows.filter((row) => row.name === name && row.result.completed > 0);
  if (runs.length === 0) return null;
  const rates = runs.map((row) => row.requestsPerSecond);
  const mean = rates.reduce((sum, rate) => sum + rate, 0) / rates.length;
  const min = Math.min(...rates);
  const max = Math.max(...rates);
  return {
    runs: runs.length,
    rates,
    requestsPerSecond: mean,
    min,
    max,
    // (max - min) / mean: how much the same server moved during the run, the noise every ratio carries.
    spread: mean > 0 ? (max - min) / mean : 0,
    cpuMsPerRequest: runs.reduce((sum, row) => sum + row.cpuMsPerRequest, 0) / runs.length,
    pgCpuMsPerRequest: runs.reduce((sum, row) => sum + row.pgCpuMsPerRequest, 0) / runs.length,
  };
}

export function formatFloorSummary(floor) {
  if (floor.runs === 1) return `floor (INSERT): one run, ${floor.requestsPerSecond.toFixed(0)} req/s; "vs floor" is against it.`;
  const summary =
    `floor (INSERT): mean ${floor.requestsPerSecond.toFixed(0)} req/s over ${floor.runs} runs (${floor.rates.map((rate) => rate.toFixed(0)).join(', ')}; ` +
    `spread ${(floor.spread * 100).toFixed(1)}% of the mean), ${floor.cpuMsPerRequest.toFixed(3)} server and ${floor.pgCpuMsPerRequest.toFixed(3)} Postgres CPU ms/req; "vs floor" is against the mean.`;
  return floor.spread > NOISY_FLOOR_SPREAD
    ? `${summary}\n  The same server's runs moved by more than ${NOISY_FLOOR_SPREAD * 100}%: other work competed, and every req/s ratio carries that noise.`
    : summary;
}

export const TABLE_LEGEND = [
  'req/s: completed responses per second; p50/p99: latency of 2xx responses (autocannon, ms).',
  'errors: responses that were not 2xx or whose body held "errors", plus socket errors and timeouts.',
  'vs floor: req/s as a share of the floor\'s mean (NestJS + Apollo + one INSERT on the same pool size).',
  "CPU ms/req and srv CPU%: the target server's utime+stime over the measured run (/proc/<pid>/stat); 100% is one core.",
  "pg CPU ms/req and pg CPU%: the same for Postgres: its processes serving the target's database, and the cluster's own",
  '  (checkpointer, writers, launchers). gen CPU%: the load generator (this process, SMS receiver included). rest CPU%:',
  '  everything else on the machine (a high value with a low req/s means other work competed: noise).',
  'peak RSS: VmHWM of the target server during the scenario (* = over its whole life: reset refused).',
];
