// The chat benchmark's human tables (each cluster round beside the standalone round of the same
// size, with their ratio) and its verdicts on the targets of docs/benchmarks.md.
import type { LatencySummary, PhaseResult, RoundResult } from './bench-round.js';

export const targets = {
  capacityConnections: 15_000,
  maxRssPerConnectionKib: 12,
  minStandaloneMessagesPerSecond: 30_000,
  maxStandaloneP99Ms: 10,
  maxCrossNodeExtraP99Ms: 2,
  /** --metrics (counting, and a scrape every second) costs at most this much more CPU per message. */
  maxMetricsCpuRatio: 1.05,
} as const;

export interface Verdict {
  target: string;
  isMet: boolean | undefined;
  seen: string;
}

const num = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-';
const pair = (l: LatencySummary | undefined): string => (l ? `${num(l.p50Ms, 2)} / ${num(l.p99Ms, 2)}` : '-');
const rate = (p: PhaseResult | undefined, pick: (p: PhaseResult) => number, digits = 0): string => (p ? num(pick(p), digits) : '-');
const ratio = (a: number | undefined, b: number | undefined): string => (a !== undefined && b ? `${num(a / b, 2)}x` : '-');

/** CPU time the chat node processes spent per delivered message: what caps msg/s on a free core. */
export const nodeCpuUsPerMessage = (p: PhaseResult): number => ((p.cores['chat nodes'] ?? 0) * 1e6) / p.deliveredPerSecond;
const loginsPerSecond = (r: RoundResult): number => r.loggedIn / r.loginSeconds;

interface TableSpec {
  columns: string[];
  row: (r: RoundResult) => string[];
  ratioRow: (cluster: RoundResult, standalone: RoundResult) => string[];
}

const throughputTable: TableSpec = {
  columns: ['connections', 'deployment', 'logins/s', 'RSS KiB/conn', 'marginal', '1:1 msg/s', 'node CPU us/msg', 'group msg/s', 'group deliv/s', 'refused'],
  row: (r) => [
    num(r.connections),
    r.deployment,
    num(loginsPerSecond(r)),
    num(r.rss.perConnectionKib, 2),
    num(r.rss.marginalPerConnectionKib, 2),
    rate(r.direct, (p) => p.deliveredPerSecond),
    rate(r.direct, nodeCpuUsPerMessage),
    rate(r.group, (p) => p.ackedPerSecond),
    rate(r.group, (p) => p.deliveredPerSecond),
    r.direct ? num([r.direct, r.light, r.group].reduce((sum, p) => sum + (p?.refused ?? 0), 0)) : '-',
  ],
  ratioRow: (c, s) => [
    '',
    'cluster/standalone',
    ratio(loginsPerSecond(c), loginsPerSecond(s)),
    ratio(c.rss.perConnectionKib, s.rss.perConnectionKib),
    ratio(c.rss.marginalPerConnectionKib, s.rss.marginalPerConnectionKib),
    ratio(c.direct?.deliveredPerSecond, s.direct?.deliveredPerSecond),
    ratio(c.direct && nodeCpuUsPerMessage(c.direct), s.direct && nodeCpuUsPerMessage(s.direct)),
    ratio(c.group?.ackedPerSecond, s.group?.ackedPerSecond),
    ratio(c.group?.deliveredPerSecond, s.group?.deliveredPerSecond),
    '',
  ],
};

const latencyTable: TableSpec = {
  columns: ['connections', 'deployment', 'full load: same p50/p99 ms', 'cross p50/p99 ms', 'group p50/p99 ms', 'light load: msg/s', 'same p50/p99 ms', 'cross p50/p99 ms'],
  row: (r) => [
    num(r.connections),
    r.deployment,
    pair(r.direct?.latency.same),
    pair(r.direct?.latency.cross),
    pair(r.group?.latency.group),
    rate(r.light, (p) => p.deliveredPerSecond),
    pair(r.light?.latency.same),
    pair(r.light?.latency.cross),
  ],
  ratioRow: (c, s) => [
    '',
    'cluster/standalone',
    ratio(c.direct?.latency.same?.p99Ms, s.direct?.latency.same?.p99Ms),
    '',
    ratio(c.group?.latency.group?.p99Ms, s.group?.latency.group?.p99Ms),
    ratio(c.light?.deliveredPerSecond, s.light?.deliveredPerSecond),
    ratio(c.light?.latency.same?.p99Ms, s.light?.latency.same?.p99Ms),
    '',
  ],
};

function table(spec: TableSpec, rounds: readonly RoundResult[]): string[] {
  const rows: string[][] = [spec.columns];
  const sizes = [...new Set(rounds.map((r) => r.connections))].sort((a, b) => a - b);
  for (const size of sizes) {
    const here = rounds.filter((r) => r.connections === size);
    for (const r of here) rows.push(spec.row(r));
    const standalone = here.find((r) => r.nodeCount === 1 && r.direct);
    const cluster = here.find((r) => r.nodeCount > 1);
    if (standalone && cluster) rows.push(spec.ratioRow(cluster, standalone));
  }
  const widths = spec.columns.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c <= 1 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '));
}

export function tableLines(rounds: readonly RoundResult[]): string[] {
  const withMessages = rounds.filter((r) => r.direct);
  return [...table(throughputTable, rounds), '', ...(withMessages.length > 0 ? table(latencyTable, withMessages) : [])];
}

/** Where the CPU went in each measured phase: cores used per role. */
export function cpuLines(rounds: readonly RoundResult[]): string[] {
  const lines: string[] = [];
  for (const r of rounds) {
    for (const [name, phase] of [['1:1', r.direct], ['light', r.light], ['group', r.group]] as const) {
      if (!phase) continue;
      const { machine = 0, ...roles } = phase.cores;
      const ours = Object.values(roles).reduce((sum, c) => sum + c, 0);
      const parts = Object.entries(roles).map(([role, c]) => `${role} ${num(c, 2)}`).join(', ');
      lines.push(`${num(r.connections).padStart(6)} ${r.deployment.padEnd(18)} ${name.padEnd(5)}  machine ${num(machine, 2)} (others ${num(Math.max(0, machine - ours), 2)}): ${parts}`);
    }
  }
  return lines;
}

export function verdicts(rounds: readonly RoundResult[]): Verdict[] {
  const out: Verdict[] = [];
  const standalone = rounds.filter((r) => r.nodeCount === 1);
  const big = standalone.filter((r) => r.connections >= targets.capacityConnections).sort((a, b) => b.connections - a.connections)[0];
  out.push({
    target: `${num(targets.capacityConnections)} logged-in connections on one node at <= ${targets.maxRssPerConnectionKib} KiB RSS each`,
    isMet: big ? big.loggedIn >= targets.capacityConnections && big.rss.perConnectionKib <= targets.maxRssPerConnectionKib : undefined,
    seen: big ? `${num(big.loggedIn)} logged in, ${num(big.rss.perConnectionKib, 2)} KiB each (${num(big.rss.marginalPerConnectionKib, 2)} KiB marginal)` : `not measured: no standalone round of ${num(targets.capacityConnections)} (--capacity)`,
  });
  for (const r of standalone.filter((x) => x.direct)) {
    const direct = r.direct as PhaseResult;
    const p99 = direct.latency.same?.p99Ms ?? Number.NaN;
    out.push({
      target: `standalone, ${num(r.connections)} connections: >= ${num(targets.minStandaloneMessagesPerSecond)} delivered 1:1 msg/s with p99 <= ${targets.maxStandaloneP99Ms} ms`,
      isMet: direct.deliveredPerSecond >= targets.minStandaloneMessagesPerSecond && p99 <= targets.maxStandaloneP99Ms,
      seen: `${num(direct.deliveredPerSecond)} msg/s, p99 ${num(p99, 2)} ms (node CPU ${num(nodeCpuUsPerMessage(direct))} us/msg)`,
    });
  }
  for (const r of rounds.filter((x) => x.nodeCount > 1 && x.light)) {
    const { same, cross } = (r.light as PhaseResult).latency;
    const extra = same && cross ? cross.p99Ms - same.p99Ms : Number.NaN;
    out.push({
      target: `${r.deployment}, ${num(r.connections)} connections, light load: cross-node delivery adds <= ${targets.maxCrossNodeExtraP99Ms} ms p99 over same-node`,
      isMet: Number.isFinite(extra) ? extra <= targets.maxCrossNodeExtraP99Ms : undefined,
      seen: `same ${num(same?.p99Ms ?? Number.NaN, 2)} ms, cross ${num(cross?.p99Ms ?? Number.NaN, 2)} ms: ${num(extra, 2)} ms more (p50 ${num((cross?.p50Ms ?? Number.NaN) - (same?.p50Ms ?? Number.NaN), 2)} ms more)`,
    });
  }
  for (const r of metricsCostRows(rounds)) {
    out.push({
      target: `${num(r.connections)} connections, ${r.phase}: metrics on cost <= ${num((targets.maxMetricsCpuRatio - 1) * 100)} % more node CPU per message`,
      isMet: r.on / r.off <= targets.maxMetricsCpuRatio,
      seen: `${num(r.off)} us off, ${num(r.on)} us on (${num((r.on / r.off - 1) * 100, 1)} %)`,
    });
  }
  return out;
}

const meanOf = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;

/** Node CPU per message of the standalone node with metrics on against off, per size and phase. */
function metricsCostRows(rounds: readonly RoundResult[]): { connections: number; phase: string; off: number; on: number }[] {
  const rows: { connections: number; phase: string; off: number; on: number }[] = [];
  for (const size of [...new Set(rounds.map((r) => r.connections))].sort((a, b) => a - b)) {
    const here = rounds.filter((r) => r.connections === size);
    for (const [phase, pick] of [['1:1', (r: RoundResult) => r.direct], ['group', (r: RoundResult) => r.group]] as const) {
      const cpu = (deployment: string): number[] => here.filter((r) => r.deployment === deployment).flatMap((r) => (pick(r) ? [nodeCpuUsPerMessage(pick(r) as PhaseResult)] : []));
      const off = cpu('standalone');
      const on = cpu('standalone+metrics');
      if (off.length > 0 && on.length > 0) rows.push({ connections: size, phase, off: meanOf(off), on: meanOf(on) });
    }
  }
  return rows;
}

export function metricsCostLines(rounds: readonly RoundResult[]): string[] {
  return metricsCostRows(rounds).map((r) => `${num(r.connections).padStart(6)} ${r.phase.padEnd(5)}  off ${num(r.off)} us, on ${num(r.on)} us: ${ratio(r.on, r.off)}`);
}

export function verdictLines(list: readonly Verdict[]): string[] {
  return list.map((v) => `${v.isMet === undefined ? 'n/a ' : v.isMet ? 'met ' : 'MISS'}  ${v.target}: ${v.seen}`);
}
