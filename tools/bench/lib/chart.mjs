// docs/benchmarks.svg: req/s of each scenario as a share of the floor's, one horizontal bar each,
// Better Auth's bar under the Honnin scenario it compares with, the floor as a dashed line at 100 % and
// each target as a tick on its bar. Plain SVG written by hand: no chart library.

const COLORS = { honnin: '#2563eb', betterAuth: '#ea580c', reference: '#9ca3af', target: '#111827', grid: '#e5e7eb', text: '#111827', muted: '#6b7280' };
const FONT = 'font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const WIDTH = 960;
const LABEL_RIGHT = 220;
const PLOT_LEFT = 232;
const PLOT_WIDTH = 460;
// The figures of each bar, in a column right of the plot so that no target tick crosses them.
const VALUES_LEFT = PLOT_LEFT + PLOT_WIDTH + 14;
const BAR_HEIGHT = 18;
const BAR_GAP = 5;
const GROUP_GAP = 30;
const TOP = 114;
// Target labels closer than this share no line: the next one goes a line higher.
const TARGET_LABEL_SPACING = 44;

const NBSP = '&#160;';
const escapeXml = (text) => String(text).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);

/**
 * The chart's groups: each a list of bars { label, kind: 'honnin' | 'betterAuth' | 'reference', row,
 * targets?: [{ ratio, label }] } for the rows of the run that exist.
 */
function chartGroups(rows, floor) {
  const row = (name) => rows.find((candidate) => candidate.name === name && candidate.result.completed > 0);
  const ratio = (subject) => subject.requestsPerSecond / floor.requestsPerSecond;
  const start = row('startSmsChallenge');
  const sendOtp = row('better-auth:sendOtp');
  const verify = row('verifySmsChallenge');
  const betterAuthVerify = row('better-auth:verify');
  const groups = [
    [
      start && { label: 'startSmsChallenge', kind: 'honnin', row: start, versus: sendOtp, targets: [{ ratio: 0.5, label: '50 %' }, ...(sendOtp ? [{ ratio: 1.5 * ratio(sendOtp), label: '1.5× BA' }] : [])] },
      sendOtp && { label: 'Better Auth send-otp', kind: 'betterAuth', row: sendOtp },
    ],
    [
      verify && { label: 'verifySmsChallenge', kind: 'honnin', row: verify, versus: betterAuthVerify, targets: [{ ratio: 0.6, label: '60 %' }, ...(betterAuthVerify ? [{ ratio: 3 * ratio(betterAuthVerify), label: '3× BA' }] : [])] },
      betterAuthVerify && { label: 'Better Auth verify', kind: 'betterAuth', row: betterAuthVerify },
    ],
    [row('authorize') && { label: 'authorize', kind: 'honnin', row: row('authorize'), targets: [{ ratio: 0.8, label: '80 %' }] }],
    [row('me') && { label: 'me', kind: 'honnin', row: row('me') }],
    [row('login') && { label: 'login (argon2id by design)', kind: 'honnin', row: row('login') }],
    [row('floor-select') && { label: 'floor with SELECT 1 instead', kind: 'reference', row: row('floor-select') }],
  ];
  return groups.map((bars) => bars.filter(Boolean).map((bar) => ({ ...bar, ratio: ratio(bar.row) }))).filter((bars) => bars.length > 0);
}

/**
 * @param {{ rows: object[], floor: object, connections: number, betterAuthVersion: string }} run  floor: report.mjs floorSummary
 * @returns {string} the SVG document
 */
export function renderChart({ rows, floor, connections, betterAuthVersion }) {
  const groups = chartGroups(rows, floor);
  const ratios = groups.flat().flatMap((bar) => [bar.ratio, ...(bar.targets ?? []).map((target) => target.ratio)]);
  const axisMax = Math.max(1.25, Math.ceil(Math.max(...ratios) * 1.05 * 4) / 4);
  const x = (ratio) => PLOT_LEFT + (Math.min(ratio, axisMax) / axisMax) * PLOT_WIDTH;

  const parts = [];
  let y = TOP;
  for (const bars of groups) {
    for (const bar of bars) {
      const end = x(bar.ratio);
      const versus = bar.versus ? `<tspan dx="5">·${NBSP}${(bar.row.requestsPerSecond / bar.versus.requestsPerSecond).toFixed(2)}×${NBSP}Better${NBSP}Auth</tspan>` : '';
      parts.push(
        `<text x="${LABEL_RIGHT}" y="${y + 13}" text-anchor="end" font-size="12" fill="${COLORS.text}">${escapeXml(bar.label)}</text>`,
        `<rect x="${PLOT_LEFT}" y="${y}" width="${Math.max(1, end - PLOT_LEFT).toFixed(1)}" height="${BAR_HEIGHT}" rx="2" fill="${COLORS[bar.kind]}"/>`,
        `<text x="${VALUES_LEFT}" y="${y + 13}" font-size="12" fill="${COLORS.text}"><tspan font-weight="600">${(bar.ratio * 100).toFixed(0)}${NBSP}%</tspan>` +
          `<tspan fill="${COLORS.muted}" dx="5">·${NBSP}${bar.row.requestsPerSecond.toFixed(0)}${NBSP}req/s</tspan>${versus}</text>`,
      );
      let previousLabelAt = -Infinity;
      let labelLine = 0;
      for (const target of [...(bar.targets ?? [])].sort((a, b) => a.ratio - b.ratio)) {
        const at = x(target.ratio);
        labelLine = at - previousLabelAt < TARGET_LABEL_SPACING ? labelLine + 1 : 0;
        previousLabelAt = at;
        parts.push(
          `<line x1="${at.toFixed(1)}" x2="${at.toFixed(1)}" y1="${y - 3}" y2="${y + BAR_HEIGHT + 3}" stroke="${COLORS.target}" stroke-width="2"/>`,
          `<text x="${at.toFixed(1)}" y="${y - 6 - labelLine * 11}" text-anchor="middle" font-size="10" fill="${COLORS.target}">${escapeXml(target.label)}</text>`,
        );
      }
      y += BAR_HEIGHT + BAR_GAP;
    }
    y += GROUP_GAP;
  }
  const plotBottom = y - GROUP_GAP + 4;

  const grid = [];
  for (let tick = 0; tick <= axisMax + 1e-9; tick += 0.25) {
    const at = x(tick).toFixed(1);
    const isFloor = Math.abs(tick - 1) < 1e-9;
    grid.push(
      isFloor
        ? `<line x1="${at}" x2="${at}" y1="${TOP - 26}" y2="${plotBottom}" stroke="${COLORS.text}" stroke-width="1.5" stroke-dasharray="5 3"/>`
        : `<line x1="${at}" x2="${at}" y1="${TOP - 8}" y2="${plotBottom}" stroke="${COLORS.grid}"/>`,
      `<text x="${at}" y="${plotBottom + 16}" text-anchor="middle" font-size="11" fill="${COLORS.muted}">${(tick * 100).toFixed(0)} %</text>`,
    );
  }
  grid.push(`<text x="${x(1).toFixed(1)}" y="${TOP - 30}" text-anchor="middle" font-size="11" fill="${COLORS.text}">floor = ${floor.requestsPerSecond.toFixed(0)} req/s</text>`);

  const legendY = plotBottom + 40;
  const legend = [
    [COLORS.honnin, 'Honnin', 90],
    [COLORS.betterAuth, `Better Auth ${betterAuthVersion} (phoneNumber plugin)`, 290],
    [COLORS.reference, 'reference', 110],
  ];
  let legendX = 20;
  for (const [color, label, width] of legend) {
    grid.push(`<rect x="${legendX}" y="${legendY - 10}" width="12" height="12" rx="2" fill="${color}"/>`, `<text x="${legendX + 18}" y="${legendY}" font-size="12" fill="${COLORS.text}">${escapeXml(label)}</text>`);
    legendX += width;
  }
  grid.push(
    `<line x1="${legendX + 5}" x2="${legendX + 5}" y1="${legendY - 12}" y2="${legendY + 3}" stroke="${COLORS.target}" stroke-width="2"/>`,
    `<text x="${legendX + 14}" y="${legendY}" font-size="12" fill="${COLORS.text}">target (share of the floor, or a multiple of Better Auth's rate)</text>`,
  );
  const height = legendY + 18;

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT} role="img" aria-label="Requests per second of each scenario as a share of the floor's">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="20" y="26" font-size="16" font-weight="600" fill="${COLORS.text}">Requests per second, as a share of the floor (higher is better)</text>`,
    `<text x="20" y="46" font-size="12" fill="${COLORS.muted}">Floor: a NestJS + Apollo mutation doing one INSERT through a pg pool of 10, the mean of its runs.</text>`,
    `<text x="20" y="62" font-size="12" fill="${COLORS.muted}">${connections} connections, one scenario at a time; every server on the same machine and the same Postgres server.</text>`,
    ...grid,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
