// The rolling-restart benchmark (docs/reliability.md, "Rolling restart"; docs/benchmarks.md):
// the seed architecture across hosts (test/support/hosts-cluster.ts: a ZooKeeper ensemble of
// three, MariaDB, chat nodes on hosts of their own, nginx and `dchat lb` on a front host), a
// thousand people on client hosts chatting through nginx with dchat's client library
// (rolling-agent.ts), and every chat node restarted in turn as `dchat restart-nodes` does it:
// SIGTERM (the node drains), started again, the next one only once the restarted one is
// registered and back in nginx's upstream. Reports messages lost and duplicated, and each
// client's longest wait (rolling-ledger.ts). Exits 1 when a target is missed. Needs root.
//
//   node dist/bench/rolling/rolling-bench.js [--clients 1000] [--rate 100] [--json FILE] (--help for all)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../../src/base/dchat-error.js';
import { startHostsCluster, type HostsCluster } from '../../test/support/hosts-cluster.js';
import { hostsUnavailableReason } from '../../test/support/hosts.js';
import { waitFor } from '../../test/support/wait.js';
import { withTimeout } from '../chaos/with-timeout.js';
import { RollingLedger, spread, type AgentEvent, type GapStats } from './rolling-ledger.js';

const usage = `usage: node dist/bench/rolling/rolling-bench.js [--clients N] [--nodes N] [--client-hosts N] [--rate R]
       [--warmup-s S] [--after-s S] [--bound-ms MS] [--rounds N] [--drain-rate R] [--logs DIR] [--json FILE]
  --clients       people chatting through nginx (default 1000)
  --nodes         chat nodes, each on a host of its own (default 3)
  --client-hosts  hosts the people are spread over (default 4)
  --rate          messages started per second over all people (default clients / 10)
  --warmup-s      chatting before the first restart (default 10)
  --after-s       chatting after the last node is back (default 10)
  --bound-ms      the longest wait allowed to any client (default 2000)
  --rounds        how many times every node is restarted in turn (default 1)
  --drain-rate    the chat nodes' --drain-rate (default: theirs, 100 clients a second; 0: all at once)
  --logs          write every chat node's and dchat lb's output there`;

interface Args {
  clients: number;
  nodes: number;
  clientHosts: number;
  ratePerS: number;
  warmupS: number;
  afterS: number;
  boundMs: number;
  rounds: number;
  drainRate: number | undefined;
  logs: string | undefined;
  json: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { clients: 1000, nodes: 3, clientHosts: 4, ratePerS: 0, warmupS: 10, afterS: 10, boundMs: 2000, rounds: 1, drainRate: undefined, logs: undefined, json: undefined };
  const fail = (problem: string): never => {
    process.stderr.write(`${problem}\n${usage}\n`);
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    const value = (): string => argv[++i] ?? fail(`${flag} needs a value`);
    const positive = (): number => {
      const n = Number(value());
      return n > 0 ? n : fail(`${flag}: expected a positive number`);
    };
    if (flag === '--clients') args.clients = Math.max(2, Math.floor(positive()));
    else if (flag === '--nodes') args.nodes = Math.max(2, Math.floor(positive()));
    else if (flag === '--client-hosts') args.clientHosts = Math.floor(positive());
    else if (flag === '--rate') args.ratePerS = positive();
    else if (flag === '--warmup-s') args.warmupS = positive();
    else if (flag === '--after-s') args.afterS = positive();
    else if (flag === '--bound-ms') args.boundMs = positive();
    else if (flag === '--rounds') args.rounds = Math.floor(positive());
    else if (flag === '--json') args.json = value();
    else if (flag === '--logs') args.logs = value();
    else if (flag === '--drain-rate') args.drainRate = Math.max(0, Math.floor(Number(value()) || 0));
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    } else fail(`unknown option ${flag}`);
  }
  if (args.ratePerS === 0) args.ratePerS = Math.max(5, Math.round(args.clients / 10));
  return args;
}

const agentScript = fileURLToPath(new URL('./rolling-agent.js', import.meta.url));
const say = (line: string): void => void process.stderr.write(`  ${line}\n`);

/** One client host's rolling-agent.js: commands in, answers and events out. */
class Agent {
  private readonly waiters = new Map<string, { resolve: (line: Record<string, unknown>) => void; reject: (err: Error) => void }>();
  private exitReason: string | undefined;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    ledger: RollingLedger,
  ) {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.once('exit', (code, signal) => {
      this.exitReason = `rolling-agent.js on ${name} exited (${code ?? signal}): ${stderr.trim()}`;
      for (const w of this.waiters.values()) w.reject(new Error(this.exitReason));
      this.waiters.clear();
    });
    createInterface({ input: child.stdout ?? process.stdin }).on('line', (text) => {
      const line = JSON.parse(text) as Record<string, unknown>;
      if (typeof line['e'] === 'string') return ledger.onEvent(line as unknown as AgentEvent);
      const op = String(line['op']);
      if (op === 'error') {
        for (const w of this.waiters.values()) w.reject(new Error(`${name}: ${String(line['error'])}`));
        this.waiters.clear();
        return;
      }
      this.waiters.get(op)?.resolve(line);
      this.waiters.delete(op);
    });
  }

  /** Sends a command; with `answer`, resolves with the line whose op it is. */
  send(command: Record<string, unknown>, answer?: string): Promise<Record<string, unknown>> {
    if (this.exitReason) return Promise.reject(new Error(this.exitReason));
    const answered = answer ? new Promise<Record<string, unknown>>((resolve, reject) => this.waiters.set(answer, { resolve, reject })) : Promise.resolve({});
    this.child.stdin?.write(`${JSON.stringify(command)}\n`);
    return answered;
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

interface NodeRestart {
  nodeId: string;
  /** SIGTERM until the process exited (its drain). */
  drainMs: number;
  /** SIGTERM until it was registered again and back in nginx's upstream. */
  backMs: number;
}

/** The output of every chat node process of the run, the stopped ones included, by node id. */
const nodeOutputs: { nodeId: string; output: () => string }[] = [];

async function restartNode(cluster: HostsCluster, index: number): Promise<NodeRestart> {
  const node = cluster.nodes[index];
  if (!node) throw new Error(`no node ${index}`);
  const fullUpstream = new RegExp(`upstream dchat has ${cluster.nodes.length} node\\(s\\).*nginx reloaded`, 'g');
  const upstreams = (): number => (cluster.lb.output().match(fullUpstream) ?? []).length;
  const before = upstreams();
  const startMs = Date.now();
  const stopped = node.process;
  await stopped.stop();
  const drainMs = Date.now() - startMs;
  nodeOutputs.push({ nodeId: node.nodeId, output: stopped.output });
  await cluster.restartNode(index);
  await waitFor(async () => (await cluster.zk.getData(`/dchat/nodes/${node.nodeId}`)) !== undefined, 60_000, `${node.nodeId} to register again`);
  await waitFor(() => upstreams() > before, 60_000, `dchat lb to put ${node.nodeId} back in nginx's upstream`);
  return { nodeId: node.nodeId, drainMs, backMs: Date.now() - startMs };
}

function writeLogs(dir: string, cluster: HostsCluster): void {
  mkdirSync(dir, { recursive: true });
  const all = [...cluster.nodes.map((n, i) => ({ nodeId: n.nodeId, output: n.process.output, i })), ...nodeOutputs.map((n, i) => ({ ...n, i: cluster.nodes.length + i }))];
  for (const n of all) writeFileSync(join(dir, `node-${n.nodeId.replace(/[:.]/g, '_')}-${n.i}.log`), n.output());
  writeFileSync(join(dir, 'lb.log'), cluster.lb.output());
  writeFileSync(join(dir, 'nginx-error.log'), cluster.nginx.errorLog());
  say(`wrote the logs to ${dir}`);
}

function progress(ledger: RollingLedger, startMs: number, phase: string): string {
  return `${((Date.now() - startMs) / 1000).toFixed(0).padStart(4)} s ${phase.padEnd(24)} acknowledged ${ledger.ackedCount}, shown ${ledger.shownCount}, ` +
    `failed ${ledger.failed}, cut off now ${ledger.downNow} (${ledger.downs} in all), load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
}

function gapLine(stats: GapStats, boundMs: number): string {
  return `longest wait per client: p50 ${stats.p50Ms} ms, p99 ${stats.p99Ms} ms, max ${stats.maxMs} ms; ${stats.over} of ${stats.clients} clients over ${boundMs} ms`;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const unavailable = hostsUnavailableReason();
  if (unavailable) throw new Error(unavailable);
  const cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const loadAtStart = loadavg();
  console.log(`dchat rolling restart: ${args.clients} clients on ${args.clientHosts} hosts, ${args.nodes} chat nodes, ${args.ratePerS} msg/s, every node restarted ${args.rounds} time(s)`);
  console.log(`machine: ${availableParallelism()} cores, ${cpu}, node ${process.version}; load average ${loadAtStart.map((l) => l.toFixed(2)).join(', ')}`);
  const startMs = Date.now();
  const ledger = new RollingLedger();
  say('starting the hosts: ZooKeeper ×3, MariaDB, chat nodes, nginx and dchat lb');
  const cluster = await startHostsCluster({
    nodes: args.nodes,
    clientHosts: args.clientHosts,
    frontConnections: args.clients,
    // Behind nginx every client comes from nginx's address: docs/rules.md says to turn the
    // per-source buckets off there (the per-account ones and the password queue stay).
    nodeArgs: ['--login-source-rate', 'off', '--register-source-rate', 'off', '--resume-source-rate', 'off', '--max-anonymous-per-address', String(args.clients + 1000),
      ...(args.drainRate === undefined ? [] : ['--drain-rate', String(args.drainRate)])],
    lbArgs: ['--max-fails', '1', '--fail-timeout', '2'],
  });
  const agents: Agent[] = [];
  const restarts: NodeRestart[] = [];
  let timer: NodeJS.Timeout | undefined;
  let phase = 'joining';
  let users: number[] = [];
  try {
    for (const clientHosts of cluster.clients) {
      const host = clientHosts.host;
      agents.push(new Agent(host.name, cluster.net.spawnOn(host, process.execPath, ['--enable-source-maps', agentScript], { stdio: ['pipe', 'pipe', 'pipe'] }), ledger));
    }
    timer = setInterval(() => say(progress(ledger, startMs, phase)), 5_000);
    const tag = `rr${Date.now() % 100_000}`;
    const shares = agents.map((_, a) => Array.from({ length: args.clients }, (_, i) => i).filter((i) => i % agents.length === a).map((i) => `${tag}-${i}`));
    const joined = await withTimeout(
      Promise.all(agents.map((agent, a) => agent.send({ op: 'join', entry: cluster.front, names: shares[a], width: 4 }, 'joined'))),
      600_000,
      `${args.clients} clients to register and log in`,
    );
    users = joined.flatMap((j) => j['ids'] as number[]);
    say(`${users.length} clients logged in after ${((Date.now() - startMs) / 1000).toFixed(0)} s`);
    for (const agent of agents) await agent.send({ op: 'roster', ids: users });
    phase = 'warm-up';
    await Promise.all(agents.map((agent, a) => agent.send({ op: 'chat', ratePerS: args.ratePerS / agents.length, seed: a + 1 })));
    await new Promise((resolve) => setTimeout(resolve, args.warmupS * 1000));
    const beforeRestart = ledger.gaps(users, args.boundMs);
    say(`before the restart: ${gapLine(beforeRestart, args.boundMs)}`);
    for (let round = 0; round < args.rounds; round++) {
      for (let i = 0; i < cluster.nodes.length; i++) {
        phase = `restarting node${i + 1}`;
        const done = await restartNode(cluster, i);
        restarts.push(done);
        say(`${done.nodeId}: drained and exited in ${done.drainMs} ms, back in nginx's upstream ${done.backMs} ms after SIGTERM`);
      }
    }
    phase = 'after';
    await new Promise((resolve) => setTimeout(resolve, args.afterS * 1000));
    phase = 'settling';
    await withTimeout(Promise.all(agents.map((agent) => agent.send({ op: 'quiet' }, 'quiet'))), 180_000, 'every send to end');
    await waitFor(() => ledger.lost().length === 0, 30_000, 'every acknowledged message to be shown').catch(() => undefined);
  } finally {
    clearInterval(timer);
    for (const agent of agents) agent.stop();
    if (args.logs) writeLogs(args.logs, cluster);
    await cluster.stop();
  }
  const gaps = ledger.gaps(users, args.boundMs);
  const lost = ledger.lost();
  const duplicated = ledger.duplicated();
  const loadAtEnd = loadavg();
  console.log('');
  for (const r of restarts) console.log(`${r.nodeId}: drain ${r.drainMs} ms, back in nginx's upstream ${r.backMs} ms after SIGTERM`);
  if (lost.length > 0) console.log(`lost, e.g.: ${lost.slice(0, 5).map((l) => `message ${l.id} to user ${l.to}`).join(', ')}`);
  console.log(`messages answered "sent": ${ledger.ackedCount}; shown: ${ledger.shownCount}; lost: ${lost.length}; duplicated: ${duplicated}; sends not confirmed: ${ledger.failed}`);
  if (ledger.failures.length > 0) console.log(`  e.g. ${ledger.failures.join(' | ')}`);
  console.log(`clients cut off and logged in again: ${ledger.downs} (resumes refused: ${ledger.refusedResumes}); why: ${JSON.stringify(ledger.downCauses)}`);
  const { kickToLost, backoff, lostToConnected, connectedToUp } = ledger.phases;
  console.log(`a cut-off's phases: kick to connection lost ${spread(kickToLost)}; backoff chosen ${spread(backoff)}; lost to connected again ${spread(lostToConnected)}; connected to resumed ${spread(connectedToUp)}`);
  console.log(gapLine(gaps, args.boundMs));
  console.log(`longest waits: ${gaps.worst.map((w) => `user ${w.user} ${w.ms} ms`).join(', ')}`);
  console.log(`load average (1, 5, 15 min): ${loadAtStart.map((l) => l.toFixed(2)).join(', ')} at the start, ${loadAtEnd.map((l) => l.toFixed(2)).join(', ')} at the end; total ${((Date.now() - startMs) / 1000).toFixed(0)} s`);
  const passed = lost.length === 0 && duplicated === 0 && gaps.over === 0;
  console.log(passed ? 'verdict: PASS' : 'verdict: FAIL');
  if (args.json) {
    const command = `node dist/bench/rolling/rolling-bench.js ${process.argv.slice(2).join(' ')}`.trim();
    writeFileSync(args.json, `${JSON.stringify({ command, machine: { nproc: availableParallelism(), cpu, node: process.version }, date: new Date().toISOString(), options: args,
      loadAverage: { atStart: loadAtStart, atEnd: loadAtEnd }, restarts, acked: ledger.ackedCount, lost: lost.length, duplicated, failed: ledger.failed, downs: ledger.downs, gaps, passed }, null, 2)}\n`);
    console.log(`wrote ${args.json}`);
  }
  return passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`rolling restart benchmark failed: ${errorMessage(err)}\n`);
    process.exit(2);
  },
);
