// The chaos run's human report: the faults as they happened, a table per phase (steady, then
// the messages sent during each kind of fault and its settling time) and the verdicts.
import { availableParallelism } from 'node:os';
import { faultLabels } from './chaos-faults.js';
import type { PhaseFigures } from './chaos-ledger.js';
import type { ChaosResult } from './chaos-run.js';

const num = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-';

const columns = ['phase', 'faults', 'sends', 'sent', 'resent', 'refused', 'unconfirmed', 'deliveries', 'p50 ms', 'p99 ms', 'max ms'];

function row(p: PhaseFigures, name: string): string[] {
  return [name, num(p.faults), num(p.sends), num(p.acked), num(p.resent), num(p.refused), num(p.unconfirmed), num(p.deliveries), num(p.p50Ms), num(p.p99Ms), num(p.maxMs)];
}

function table(rows: string[][]): string[] {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

export function faultLines(result: ChaosResult): string[] {
  return result.windows.map((w) => `t=${w.atS.toFixed(1).padStart(5)} s  ${faultLabels[w.kind]}: ${w.target || '?'}; healed after ${w.healS.toFixed(1)} s${w.error ? `; DID NOT HEAL: ${w.error}` : ''}`);
}

export function phaseTableLines(result: ChaosResult): string[] {
  const rows = result.tally.phases.map((p) => row(p, p.phase === 'steady' ? 'steady' : `during ${p.phase}`));
  rows.push(row(result.tally.total, 'all'));
  return table(rows);
}

export function verdictLines(result: ChaosResult): string[] {
  const mark = (isMet: boolean | undefined): string => (isMet === undefined ? 'n/a ' : isMet ? 'PASS' : 'FAIL');
  return result.verdicts.map((v) => `${mark(v.isMet)}  ${v.target}: ${v.seen}`);
}

export function isPassed(result: ChaosResult): boolean {
  return result.verdicts.every((v) => v.isMet !== false);
}

export function reportLines(result: ChaosResult): string[] {
  const { tally } = result;
  const failures = Object.entries(tally.failures).map(([why, n]) => `${n} × ${why}`).join('; ') || 'none';
  return [
    'faults:',
    ...faultLines(result).map((l) => `  ${l}`),
    '',
    ...phaseTableLines(result),
    '',
    'sent: answered "sent" (stored); resent: sent more than once by the client library (client_msg_id); deliveries: (message, recipient)',
    'pairs shown; latency: from the sender\'s first try to the recipient\'s display. A fault\'s phase holds the messages whose life',
    '(first try to last display) overlaps its window: from the injection to the end of the settling time after the heal.',
    `refused or unconfirmed, by cause: ${failures}`,
    `reconnects ${result.reconnects}, automatic logins refused ${result.failedRelogins}${result.reloginFailures.length ? ` (${result.reloginFailures.join('; ')})` : ''}`,
    `client retries by cause: ${Object.entries(result.retryCauses).map(([why, n]) => `${n} × ${why}`).join('; ') || 'none'}`,
    ...(tally.examples.length ? ['examples:', ...tally.examples.map((e) => `  ${e}`)] : []),
    'slowest deliveries (times from the start of the traffic):',
    ...tally.slowest.map((e) => `  ${e}`),
    `CPU during the traffic (cores of ${availableParallelism()}): machine ${result.cpu.machineCores.toFixed(2)} busy, this run's processes ${result.cpu.runCores.toFixed(2)}, other work ${result.cpu.otherCores.toFixed(2)}`,
    '',
    'targets:',
    ...verdictLines(result).map((l) => `  ${l}`),
  ];
}
