// Benchmark of dchat RPC against @grpc/grpc-js serving the same proto, and against a raw
// pipelined echo (the ceiling), in the same run, each in clear and over TLS (dchat secured as a
// cluster runs it: TLS 1.3 with the cluster secret's PSK): unary calls per second and p50/p99
// latency of UserServiceRpc.GetUser (a small request and answer) at several concurrencies.
// The servers run in one child process, the load here, so each side has a core.
//
//   node dist/bench/rpc/rpc-bench.js [--quick] [--seconds S] [--concurrency 1,16,256] [--systems raw,dchat,grpc,raw-tls,dchat-tls,grpc-tls] [--json FILE]
//
// To profile both processes: node --cpu-prof dist/bench/rpc/rpc-bench.js --systems dchat
// (the servers' child gets the same node flags and exits cleanly at the end, so both write a profile).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterSecret } from '../../src/base/cluster-secret.js';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { clientFor, type SystemName } from './bench-clients.js';
import { serveAll, type BenchPorts, type BenchTls } from './bench-servers.js';
import { closedLoop, type LoadResult } from './closed-loop.js';

interface Args {
  seconds: number;
  warmupSeconds: number;
  concurrencies: number[];
  systems: SystemName[];
  json: string | undefined;
  isServer: boolean;
}

const allSystems: SystemName[] = ['raw', 'dchat', 'grpc', 'raw-tls', 'dchat-tls', 'grpc-tls'];
const targets = { grpcAt256: 20, grpcTlsAt256: 20, securedVsClearAt256: 0.7, rawAt: { 1: 0.9, 16: 0.6, 256: 0.3 } as Record<number, number> };

/** Prints the usage (after the problem, if any) and exits with `status`. */
function usage(problem: string, status = 2): never {
  const text = `usage: node dist/bench/rpc/rpc-bench.js [--quick] [--seconds S] [--concurrency 1,16,256] [--systems ${allSystems.join(',')}] [--json FILE]\n`;
  (status === 0 ? process.stdout : process.stderr).write(problem ? `${problem}\n${text}` : text);
  process.exit(status);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seconds: 2, warmupSeconds: 0.5, concurrencies: [1, 16, 256], systems: allSystems, json: undefined, isServer: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === '--help') usage('', 0);
    else if (flag === '--quick') Object.assign(args, { seconds: 0.7, warmupSeconds: 0.3 });
    else if (flag === '--seconds') args.seconds = Number(value());
    else if (flag === '--concurrency') args.concurrencies = value().split(',').map(Number);
    else if (flag === '--systems') args.systems = value().split(',') as SystemName[];
    else if (flag === '--json') args.json = value();
    else if (flag === '--serve') args.isServer = true;
    else usage(`unknown option ${flag}`);
  }
  if (!(args.seconds > 0) || args.concurrencies.some((c) => !Number.isInteger(c) || c < 1)) usage('--seconds must be > 0 and --concurrency a list of positive integers');
  const unknown = args.systems.filter((s) => !allSystems.includes(s));
  if (unknown.length > 0 || args.systems.length === 0) usage(`--systems takes some of ${allSystems.join(',')}; got ${args.systems.join(',')}`);
  return args;
}

/** A cluster secret and a throw-away certificate for localhost (openssl), shared with the servers' process through the environment. */
function makeBenchTls(dir: string): BenchTls {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-days', '1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  return { secret: ClusterSecret.generate(), keyFile, certFile };
}

function startServers(): Promise<{ child: ChildProcess; ports: BenchPorts }> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, DCHAT_LOG_LEVEL: 'warn' } });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the benchmark servers exited with ${code} before they listened`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve({ child, ports: JSON.parse(line) as BenchPorts }));
  });
}

/** SIGTERM lets the servers' process exit cleanly (and write a --cpu-prof profile); SIGKILL if it hangs. */
async function stopServers(child: ChildProcess): Promise<void> {
  child.removeAllListeners('exit');
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function machine(): { nproc: number; cpu: string; node: string } {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  return { nproc: availableParallelism(), cpu, node: process.version };
}

type Row = { concurrency: number } & Record<SystemName, LoadResult> & { dchatVsGrpc: number; dchatVsRaw: number; securedVsGrpcTls: number; securedVsClear: number };

async function measure(ports: BenchPorts, args: Args): Promise<Row[]> {
  const rows: Row[] = [];
  for (const concurrency of args.concurrencies) {
    const notRun: LoadResult = { callsPerSecond: NaN, p50Us: NaN, p99Us: NaN, calls: 0 };
    const results = Object.fromEntries(allSystems.map((system) => [system, notRun])) as Record<SystemName, LoadResult>;
    for (const system of args.systems) {
      const client = await clientFor(system, ports[system]);
      try {
        results[system] = await closedLoop(client, concurrency, args.warmupSeconds * 1000, args.seconds * 1000);
      } finally {
        await client.close();
      }
      process.stderr.write(`  c=${concurrency} ${system}: ${Math.round(results[system].callsPerSecond)} calls/s\n`);
    }
    const rate = (system: SystemName): number => results[system].callsPerSecond;
    rows.push({
      concurrency,
      ...results,
      dchatVsGrpc: rate('dchat') / rate('grpc'),
      dchatVsRaw: rate('dchat') / rate('raw'),
      securedVsGrpcTls: rate('dchat-tls') / rate('grpc-tls'),
      securedVsClear: rate('dchat-tls') / rate('dchat'),
    });
  }
  return rows;
}

function verdict(row: Row): string {
  const rawTarget = targets.rawAt[row.concurrency];
  // A system left out with --systems has NaN figures: no verdict on it.
  const checks = [rawTarget === undefined || Number.isNaN(row.dchatVsRaw) ? '' : `raw ${row.dchatVsRaw >= rawTarget ? 'ok' : 'MISS'} (>= ${rawTarget})`];
  if (row.concurrency === 256 && !Number.isNaN(row.dchatVsGrpc)) checks.push(`grpc ${row.dchatVsGrpc >= targets.grpcAt256 ? 'ok' : 'MISS'} (>= ${targets.grpcAt256}x)`);
  if (row.concurrency === 256 && !Number.isNaN(row.securedVsGrpcTls)) checks.push(`tls/grpc-tls ${row.securedVsGrpcTls >= targets.grpcTlsAt256 ? 'ok' : 'MISS'} (>= ${targets.grpcTlsAt256}x)`);
  if (row.concurrency === 256 && !Number.isNaN(row.securedVsClear)) checks.push(`tls/clear ${row.securedVsClear >= targets.securedVsClearAt256 ? 'ok' : 'MISS'} (>= ${targets.securedVsClearAt256}x)`);
  return checks.filter(Boolean).join(', ');
}

function printTable(rows: Row[]): void {
  // A system left out with --systems has NaN figures: shown as '-'.
  const num = (n: number, digits = 0): string =>
    Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const ratio = (n: number, digits: number): string => (Number.isNaN(n) ? '-' : `${num(n, digits)}x`);
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(5) : c.padStart(i >= cells.length - 1 ? 0 : 12))).join(' ');
  console.log(line(['conc', 'raw c/s', 'dchat c/s', 'grpc c/s', 'raw-tls c/s', 'dchat-tls c/s', 'grpc-tls c/s', 'tls p50us', 'tls p99us', 'dchat/grpc', 'dchat/raw', 'tls/grpc-tls', 'tls/clear', ' targets']));
  for (const r of rows) {
    console.log(
      line([
        String(r.concurrency),
        num(r.raw.callsPerSecond),
        num(r.dchat.callsPerSecond),
        num(r.grpc.callsPerSecond),
        num(r['raw-tls'].callsPerSecond),
        num(r['dchat-tls'].callsPerSecond),
        num(r['grpc-tls'].callsPerSecond),
        num(r['dchat-tls'].p50Us, 1),
        num(r['dchat-tls'].p99Us, 1),
        ratio(r.dchatVsGrpc, 1),
        ratio(r.dchatVsRaw, 2),
        ratio(r.securedVsGrpcTls, 1),
        ratio(r.securedVsClear, 2),
        ` ${verdict(r)}`,
      ]),
    );
  }
}

const args = parseArgs(process.argv.slice(2));
if (args.isServer) {
  process.stdout.write(`${JSON.stringify(await serveAll())}\n`);
  // A clean exit, so that `node --cpu-prof` writes its profile.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
} else {
  const tlsDir = mkdtempSync(join(tmpdir(), 'dchat-bench-tls-'));
  process.env['DCHAT_BENCH_TLS'] = JSON.stringify(makeBenchTls(tlsDir));
  const { child, ports } = await startServers();
  try {
    const env = machine();
    console.log(`dchat RPC benchmark: UserServiceRpc.GetUser, ${args.seconds} s per case after ${args.warmupSeconds} s warm-up`);
    console.log(`machine: ${env.nproc} cores, ${env.cpu}, node ${env.node}`);
    const rows = await measure(ports, args);
    printTable(rows);
    if (args.json) {
      writeFileSync(args.json, `${JSON.stringify({ command: `node dist/bench/rpc/rpc-bench.js ${process.argv.slice(2).join(' ')}`.trim(), machine: env, date: new Date().toISOString(), rows }, null, 2)}\n`);
      console.log(`wrote ${args.json}`);
    }
  } finally {
    await stopServers(child);
    rmSync(tlsDir, { recursive: true, force: true });
  }
}
