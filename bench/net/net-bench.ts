// Benchmark of src/net against raw node:net, in the same run: a length-prefixed echo server
// and its client, written once with TcpServer/TcpClient + LengthCodec and once with node:net
// alone. Each server runs in its own child process; the load runs here.
//
//   node dist/bench/net/net-bench.js [--quick] [--seconds S] [--rounds R] [--only CASE] [--json FILE]
//
// Each measurement runs S seconds (default 1) after a warm-up; each case is measured R times
// (default 3) per implementation, alternating which goes first, and the best of the rounds
// counts: other work on a shared machine only ever slows a round down. --quick is one round
// of 0.5 s (about 1.5 s per case).
//
// Cases: echo throughput (messages/s, MB/s of payload one way) and request/response latency
// (p50/p99), with 64 B and 4 KiB bodies, over 1 and 100 connections. Ratios are src/net/raw:
// above 1 is faster for throughput, below 1 is faster for latency.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { measureLatency, measureThroughput, type LatencyResult, type LoadOptions, type ThroughputResult } from './echo-load.js';
import { serve, type Implementation } from './echo-servers.js';

interface Args {
  seconds: number;
  warmupSeconds: number;
  rounds: number;
  json: string | undefined;
  /** Only the cases whose name ("throughput 4096x100") contains this. */
  only: string | undefined;
  serve: Implementation | undefined;
}

interface CaseResult {
  kind: 'throughput' | 'latency';
  bodyBytes: number;
  connections: number;
  raw: ThroughputResult | LatencyResult;
  dchat: ThroughputResult | LatencyResult;
  ratio: number;
  p99Ratio?: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seconds: 1, warmupSeconds: 0.3, rounds: 3, json: undefined, only: undefined, serve: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === '--help') usage('', 0);
    else if (flag === '--quick') Object.assign(args, { seconds: 0.5, warmupSeconds: 0.2, rounds: 1 });
    else if (flag === '--seconds') args.seconds = Number(value());
    else if (flag === '--rounds') args.rounds = Number(value());
    else if (flag === '--json') args.json = value();
    else if (flag === '--only') args.only = value();
    else if (flag === '--serve') args.serve = value() === 'raw' ? 'raw' : 'dchat';
    else usage(`unknown option ${flag}`);
  }
  return args;
}

/** Prints the usage (after the problem, if any) and exits with `status`. */
function usage(problem: string, status = 2): never {
  const text = 'usage: node dist/bench/net/net-bench.js [--quick] [--seconds S] [--rounds R] [--only CASE] [--json FILE]\n';
  (status === 0 ? process.stdout : process.stderr).write(problem ? `${problem}\n${text}` : text);
  process.exit(status);
}

function startServerProcess(implementation: Implementation): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', implementation], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DCHAT_LOG_LEVEL: process.env['DCHAT_LOG_LEVEL'] ?? 'warn' },
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the ${implementation} echo server exited with ${code} before it listened`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      const { port } = JSON.parse(line) as { port: number };
      resolve({ child, port });
    });
  });
}

function machine(): { nproc: number; cpu: string; node: string } {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? 'unknown';
  return { nproc: availableParallelism(), cpu, node: process.version };
}

function better<T extends ThroughputResult | LatencyResult>(a: T | undefined, b: T): T {
  if (a === undefined) return b;
  if ('p50Us' in a && 'p50Us' in b) return b.p50Us < a.p50Us ? b : a;
  return b.messagesPerSecond > a.messagesPerSecond ? b : a;
}

async function runCase(
  kind: CaseResult['kind'],
  options: LoadOptions,
  ports: Record<Implementation, number>,
  rounds: number,
): Promise<CaseResult> {
  const best: Partial<Record<Implementation, ThroughputResult | LatencyResult>> = {};
  const measure = kind === 'throughput' ? measureThroughput : measureLatency;
  for (let round = 0; round < rounds; round++) {
    // Alternate who goes first, so that neither always runs on a warmer (or busier) machine.
    const order: Implementation[] = round % 2 === 0 ? ['raw', 'dchat'] : ['dchat', 'raw'];
    for (const impl of order) best[impl] = better(best[impl], await measure(impl, ports[impl], options));
  }
  const raw = best.raw!;
  const dchat = best.dchat!;
  if ('p50Us' in raw && 'p50Us' in dchat) {
    return { kind, bodyBytes: options.bodyBytes, connections: options.connections, raw, dchat, ratio: dchat.p50Us / raw.p50Us, p99Ratio: dchat.p99Us / raw.p99Us };
  }
  return { kind, bodyBytes: options.bodyBytes, connections: options.connections, raw, dchat, ratio: dchat.messagesPerSecond / raw.messagesPerSecond };
}

function formatRow(r: CaseResult): string {
  const name = `${r.kind.padEnd(10)} ${String(r.bodyBytes).padStart(5)} B x ${String(r.connections).padStart(3)} conn`;
  const fmt = (x: number, digits = 0): string => x.toFixed(digits).padStart(10);
  if ('p50Us' in r.raw && 'p50Us' in r.dchat) {
    return `${name}  p50 us ${fmt(r.raw.p50Us, 1)} ${fmt(r.dchat.p50Us, 1)}  p99 us ${fmt(r.raw.p99Us, 1)} ${fmt(r.dchat.p99Us, 1)}  p50 ${r.ratio.toFixed(2)}x  p99 ${(r.p99Ratio ?? NaN).toFixed(2)}x`;
  }
  const raw = r.raw as ThroughputResult;
  const dchat = r.dchat as ThroughputResult;
  return `${name}  msg/s  ${fmt(raw.messagesPerSecond)} ${fmt(dchat.messagesPerSecond)}  MB/s   ${fmt(raw.megabytesPerSecond, 1)} ${fmt(dchat.megabytesPerSecond, 1)}  msg/s ${r.ratio.toFixed(2)}x`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.serve !== undefined) return serve(args.serve);
  const servers = await Promise.all([startServerProcess('raw'), startServerProcess('dchat')]);
  const ports: Record<Implementation, number> = { raw: servers[0].port, dchat: servers[1].port };
  const results: CaseResult[] = [];
  try {
    const info = machine();
    console.log(`net bench: ${info.nproc} cpus, ${info.cpu}, node ${info.node}, ${args.seconds} s per measurement, best of ${args.rounds} round(s)`);
    console.log(`${''.padEnd(31)}  ${''.padEnd(6)} ${'raw'.padStart(10)} ${'src/net'.padStart(10)}  ratio = src/net/raw`);
    for (const kind of ['throughput', 'latency'] as const) {
      for (const bodyBytes of [64, 4096]) {
        for (const connections of [1, 100]) {
          if (args.only !== undefined && !`${kind} ${bodyBytes}x${connections}`.includes(args.only)) continue;
          const result = await runCase(kind, { bodyBytes, connections, seconds: args.seconds, warmupSeconds: args.warmupSeconds }, ports, args.rounds);
          results.push(result);
          console.log(formatRow(result));
        }
      }
    }
    if (args.json !== undefined) writeFileSync(args.json, `${JSON.stringify({ machine: info, args, results }, null, 2)}\n`);
  } finally {
    for (const { child } of servers) child.kill();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
