// The chaos run (docs/reliability.md, "Chaos run"): a cluster started with dchat's own starters,
// many people chatting through nginx with dchat's client library, and a fault every ~20 s; a
// ledger checks that every message answered "sent" is shown exactly once to each recipient, and
// reports latency per phase. Exits 1 when a target is missed.
//
//   node dist/bench/chaos/chaos-bench.js [--clients 1000] [--seconds 180] [--json FILE] (--help for all)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../../src/base/dchat-error.js';
import { parseChaosArgs } from './chaos-args.js';
import { isPassed, reportLines } from './chaos-report.js';
import { runChaos } from './chaos-run.js';

function machine(): { nproc: number; cpu: string; node: string } {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  return { nproc: availableParallelism(), cpu, node: process.version };
}

async function main(): Promise<number> {
  const args = parseChaosArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'dchat-chaos-'));
  const env = machine();
  const say = (line: string): void => void process.stderr.write(`  ${line}\n`);
  console.log(`dchat chaos run: ${args.clients} clients, ${args.ratePerS} msg/s (${Math.round(args.groupShare * 100)}% to groups of ${args.groupSize}), ${args.durationS} s, a fault every ${args.faultEveryS} s, seed ${args.seed}`);
  console.log(`machine: ${env.nproc} cores, ${env.cpu}, node ${env.node}`);
  const started = Date.now();
  let result;
  try {
    result = await runChaos({ ...args, dir, log: say });
  } finally {
    if (args.keep) say(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
  console.log('');
  for (const line of reportLines(result)) console.log(line);
  console.log(`\nload average (1, 5, 15 min): ${result.loadAverage.atStart.join(', ')} at the start, ${result.loadAverage.atEnd.join(', ')} at the end; total time ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const passed = isPassed(result);
  console.log(passed ? 'verdict: PASS' : 'verdict: FAIL');
  if (args.json) {
    const command = `node dist/bench/chaos/chaos-bench.js ${process.argv.slice(2).join(' ')}`.trim();
    writeFileSync(args.json, `${JSON.stringify({ command, machine: env, date: new Date().toISOString(), options: args, ...result, passed }, null, 2)}\n`);
    console.log(`wrote ${args.json}`);
  }
  return passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos run failed: ${errorMessage(err)}\n`);
    process.exit(2);
  },
);
