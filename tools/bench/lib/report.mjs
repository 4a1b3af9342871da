// The printed table: fixed-width columns, one row per scenario.

const COLUMNS = [
  { title: 'scenario', width: 18, align: 'left', value: (row) => row.name },
  { title: 'req/s', width: 9, value: (row) => row.requestsPerSecond.toFixed(0) },
  { title: 'p50 ms', width: 8, value: (row) => row.p50.toFixed(1) },
  { title: 'p99 ms', width: 8, value: (row) => row.p99.toFixed(1) },
  { title: 'errors', width: 7, value: (row) => String(row.errors) },
  { title: 'vs floor', width: 9, value: (row) => (row.ratioToFloor === null ? '—' : `${(row.ratioToFloor * 100).toFixed(1)}%`) },
  { title: 'CPU ms/req', width: 11, value: (row) => row.cpuMsPerRequest.toFixed(3) },
  { title: 'srv CPU%', width: 9, value: (row) => row.serverCpuPercent.toFixed(0) },
  { title: 'gen CPU%', width: 9, value: (row) => row.generatorCpuPercent.toFixed(0) },
  { title: 'rest CPU%', width: 10, value: (row) => row.restCpuPercent.toFixed(0) },
  { title: 'peak RSS MiB', width: 13, value: (row) => `${row.peakRssMiB.toFixed(0)}${row.peakIsLifetime ? '*' : ''}` },
];

const cell = (text, column) => (column.align === 'left' ? text.padEnd(column.width) : text.padStart(column.width));

export function formatTable(rows) {
  const header = COLUMNS.map((column) => cell(column.title, column)).join(' ');
  const lines = [header, '-'.repeat(header.length)];
  for (const row of rows) lines.push(COLUMNS.map((column) => cell(column.value(row), column)).join(' '));
  return lines.join('\n');
}

export const TABLE_LEGEND = [
  'req/s: completed responses per second; p50/p99: latency of 2xx responses (autocannon, ms).',
  'errors: responses that were not 2xx or whose body held "errors", plus socket errors and timeouts.',
  'vs floor: req/s as a share of the floor (NestJS + Apollo + SELECT 1 on the same pool size).',
  "CPU ms/req and srv CPU%: the target server's utime+stime over the measured run (/proc/<pid>/stat);",
  '  100% is one core. gen CPU%: the load generator (this process) over the same run. rest CPU%: every',
  '  other process (Postgres, and anything else running: a high value with a low req/s means noise).',
  'peak RSS: VmHWM of the target server during the scenario (* = over its whole life: reset refused).',
];
