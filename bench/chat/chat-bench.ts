// Benchmark of whole chat deployments: many simulated clients logged in, one-to-one and group
// messages flowing, on a standalone node (the reference) and on a cluster of nodes behind nginx
// with ZooKeeper and MariaDB, in the same run. Reports delivered messages per second, p50/p99
// latency from send to the recipient's arrival (same node and cross node apart), and the RSS
// each logged-in connection costs the node processes. A bare forwarder on raw node:net
// (bare-forwarder.ts) runs the same one-to-one load first: the floor dchat's CPU is measured against.
//
//   node dist/bench/chat/chat-bench.js [--quick] [--connections 1000,10000] [--json FILE] (--help for all)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { errorMessage } from '../../src/base/dchat-error.js';
import { parseArgs, type BenchArgs } from './bench-args.js';
import { costLines, cpuLines, metricsCostLines, tableLines, verdictLines, verdicts } from './bench-report.js';
import { runRound, type RoundResult } from './bench-round.js';
import { startCluster, startForwarder, startStandalone, stopStartedServices, type Deployment } from './deployments.js';
import { startWorkers, type LoadWorker } from './worker-pool.js';

const password = 'bench-password';
/** Connections one load worker holds at most: well under 20,000 files per process. */
const connectionsPerWorker = 4_000;

function machine(): { nproc: number; cpu: string; node: string } {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  return { nproc: availableParallelism(), cpu, node: process.version };
}

const say = (line: string): void => void process.stderr.write(`  ${line}\n`);

async function registerUsers(deployment: Deployment, workers: LoadWorker[], count: number): Promise<number[]> {
  const names = Array.from({ length: count }, (_, i) => `bench-${i}`);
  const size = Math.ceil(count / workers.length);
  const started = Date.now();
  const replies = await Promise.all(
    workers.map((w, i) => w.send({ op: 'register', target: deployment.entry, localAddress: '127.0.0.1', names: names.slice(i * size, (i + 1) * size), password })),
  );
  const ids = replies.flatMap((r) => r.ids);
  say(`${deployment.name}: registered ${count} users in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return ids;
}

async function benchDeployment(deployment: Deployment, workers: LoadWorker[], args: BenchArgs, roundBase: number): Promise<RoundResult[]> {
  const capacity = deployment.kind === 'standalone' ? args.capacity : 0;
  const userIds = await registerUsers(deployment, workers, Math.max(capacity, ...args.connections));
  const rounds: RoundResult[] = [];
  const plan = [...args.connections.map((c) => ({ connections: c, isCapacityOnly: false })), ...(capacity > 0 ? [{ connections: capacity, isCapacityOnly: true }] : [])];
  for (const [i, step] of plan.entries()) {
    const result = await runRound(deployment, workers, userIds, {
      ...step,
      hasGroups: deployment.kind !== 'forwarder',
      seconds: args.seconds,
      warmupSeconds: args.warmupSeconds,
      warmUpMessagesPerNode: args.warmUpMessagesPerNode,
      window: args.windowPerNode * deployment.nodes().length,
      lightRatePerSecond: args.lightRate,
      groupSize: args.groupSize,
      password,
      roundIndex: roundBase + i,
    });
    say(`${deployment.name}, ${step.connections} connections: ${result.loggedIn} logged in, ${result.rss.perConnectionKib.toFixed(2)} KiB each (${result.rss.marginalPerConnectionKib.toFixed(2)} marginal)` +
      (result.direct ? `, 1:1 ${Math.round(result.direct.deliveredPerSecond)} msg/s, group ${Math.round(result.group?.deliveredPerSecond ?? 0)} deliveries/s` : ''));
    rounds.push(result);
  }
  return rounds;
}

async function main(args: BenchArgs): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dchat-chat-bench-'));
  const nodeFlags = args.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args.profileDir)}`] : [];
  if (args.profileDir) mkdirSync(args.profileDir, { recursive: true });
  const largest = Math.max(args.capacity, ...args.connections);
  const workers = startWorkers(Math.max(2, Math.ceil(largest / connectionsPerWorker)));
  let deployment: Deployment | undefined;
  let cleaning: Promise<void> | undefined;
  // Once, whoever asks first (the end of the run, a failure, Ctrl-C): all wait for the same stop.
  const cleanUp = (): Promise<void> => (cleaning ??= stopEverything());
  const stopEverything = async (): Promise<void> => {
    for (const w of workers) w.stop();
    await deployment?.stop().catch((err: unknown) => say(`stopping ${deployment?.name}: ${errorMessage(err)}`));
    deployment = undefined;
    await stopStartedServices();
    if (args.keep) return say(`kept ${dir}`);
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      say(`could not remove ${dir}: ${errorMessage(err)}`);
    }
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  const env = machine();
  const started = Date.now();
  console.log(`dchat chat benchmark: ${args.connections.join(', ')} connections, ${args.seconds} s per phase after ${args.warmupSeconds} s warm-up (the first after ${args.warmUpMessagesPerNode.toLocaleString('en-US')} messages per node), ${args.windowPerNode} requests in flight per node, groups of ${args.groupSize}`);
  console.log(`machine: ${env.nproc} cores, ${env.cpu}, node ${env.node}; ${workers.length} load worker processes`);
  const rounds: RoundResult[] = [];
  try {
    for (const [i, kind] of args.deployments.entries()) {
      say(`starting the ${kind} deployment in ${dir}`);
      deployment = kind === 'forwarder'
        ? await startForwarder({ dir, nodeFlags })
        : kind === 'cluster'
          ? await startCluster({ dir, nodeFlags, nodeCount: args.nodes, maxConnections: largest })
          : await startStandalone({ dir, nodeFlags, metrics: kind === 'standalone+metrics', dataDirName: `${kind}-${i}` });
      rounds.push(...(await benchDeployment(deployment, workers, args, i * 10)));
      await deployment.stop();
      deployment = undefined;
    }
  } finally {
    await cleanUp();
  }
  console.log('');
  for (const line of tableLines(rounds)) console.log(line);
  console.log('\nlatencies: from the sender\'s request to the recipient\'s arrival; msg/s: arrivals (persisted, acknowledged, pushed) per second');
  console.log(`\nCPU cores used while measuring (of ${env.nproc}; "others": processes outside this benchmark):`);
  for (const line of cpuLines(rounds)) console.log(`  ${line}`);
  console.log('\ncost per login, and per delivered message (group: per delivery), of each part (CPU per role; service operations):');
  for (const line of costLines(rounds)) console.log(`  ${line}`);
  const cost = metricsCostLines(rounds);
  if (cost.length > 0) {
    console.log('\nmetrics cost (node CPU us per delivered message, mean of the rounds of each):');
    for (const line of cost) console.log(`  ${line}`);
  }
  const checks = verdicts(rounds);
  console.log('\ntargets:');
  for (const line of verdictLines(checks)) console.log(`  ${line}`);
  console.log(`\ntotal time ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (args.json) {
    const command = `node dist/bench/chat/chat-bench.js ${process.argv.slice(2).join(' ')}`.trim();
    writeFileSync(args.json, `${JSON.stringify({ command, machine: env, date: new Date().toISOString(), args, rounds, targets: checks }, null, 2)}\n`);
    console.log(`wrote ${args.json}`);
  }
}

try {
  await main(parseArgs(process.argv.slice(2)));
} catch (err) {
  process.stderr.write(`chat benchmark failed: ${errorMessage(err)}\n`);
  process.exit(1);
}
