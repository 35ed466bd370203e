// `dchat lb` against real ZooKeeper and real nginx: chat nodes are stood in for by ZooKeeper
// sessions that register /dchat/nodes/<id> (as a node does) pointing at real TCP backends, and
// after every change the connections made through nginx must reach exactly the live backends.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { placeholderUpstreamText, defaultUpstreamOptions } from '../src/lb/upstream-text.js';
import { childPids } from '../src/up/process-stopper.js';
import { ZkSession } from '../src/zk/zk-session.js';
import { spawnDchat, testZkDigests, fetchOps } from './support/dchat-process.js';
import { freeLoopbackPort, startNginx, type NginxHandle } from './support/nginx.js';
import { runDchat } from './support/run-dchat.js';
import { startTcpBackend, whichBackend, type TcpBackend } from './support/tcp-backend.js';
import { waitFor } from './support/wait.js';
import { startZooKeeper, type ZkServerHandle } from './support/zookeeper.js';

let zk: ZkServerHandle | undefined;
let nginx: NginxHandle | undefined;
let backends: TcpBackend[] = [];
let dir = '';
let upstreamFile = '';
let listenPort = 0;
const nodeSessions = new Map<string, ZkSession>();
const lbProcesses: ChildProcess[] = [];

/** A chat node as /dchat/nodes sees it: its own session and one ephemeral znode. */
async function registerNode(backend: TcpBackend, weight = 1): Promise<void> {
  assert.ok(zk);
  const session = await ZkSession.connect({ connectString: zk.connectString, digests: testZkDigests });
  nodeSessions.set(backend.address, session);
  const now = Date.now();
  const data = { nodeId: backend.address, clientAddress: backend.address, rpcAddress: '127.0.0.1:1', startedAtMs: now, weight, connections: 0, users: 0, updatedAtMs: now };
  await session.registerEphemeral(`/dchat/nodes/${backend.address}`, Buffer.from(JSON.stringify(data)));
}

/** The node's process ends: its session closes and ZooKeeper deletes the znode. */
async function nodeDies(backend: TcpBackend): Promise<void> {
  const session = nodeSessions.get(backend.address);
  nodeSessions.delete(backend.address);
  await session?.close();
}

async function reachedBackends(connections: number, localAddress: (i: number) => string = () => '127.0.0.1'): Promise<string[]> {
  const reached = new Set<string>();
  for (let i = 0; i < connections; i++) {
    // Until the reload is through, an old worker may still close a client (the placeholder upstream).
    reached.add(await whichBackend(listenPort, localAddress(i)).catch(() => 'closed by nginx'));
  }
  return [...reached].sort();
}

/**
 * True when nginx runs its one worker and no other: during a reload the master starts a worker
 * with the new configuration before the old one has gone, and until then either may take a
 * connection.
 */
function isReloadSettled(): boolean {
  return nginx !== undefined && childPids(nginx.pid).length === 1;
}

/** Waits until a round of connections reaches exactly `expected` with no reload in progress, then checks a second round agrees. */
async function assertReachesExactly(expected: TcpBackend[], localAddress?: (i: number) => string): Promise<void> {
  const want = expected.map((b) => b.address).sort();
  const rounds = localAddress ? 60 : expected.length * 3;
  let last: string[] = [];
  await waitFor(
    async () => {
      if (!isReloadSettled()) return false;
      last = await reachedBackends(rounds, localAddress);
      if (!isReloadSettled()) return false;
      return JSON.stringify(last) === JSON.stringify(want);
    },
    15_000,
    `connections through nginx to reach exactly ${want.join(', ')}`,
    100,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; the last round reached ${last.join(', ')}`);
  });
  assert.deepEqual(await reachedBackends(rounds, localAddress), want, 'a second round reaches the same backends');
}

interface LbProcess {
  output(): string;
  stop(): Promise<void>;
  waitForLine(pattern: RegExp, what: string, timeoutMs?: number): Promise<void>;
}

/** A `dchat lb` process for one test: it stops when the test ends, so two never share the file. */
function startLb(t: TestContext, extraArgs: string[]): LbProcess {
  assert.ok(zk && nginx);
  const child = spawnDchat(['lb', '--zk', zk.connectString, '--conf', nginx.configPath, '--prefix', nginx.prefix, '--upstream-file', upstreamFile, ...extraArgs]);
  lbProcesses.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const lb: LbProcess = {
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    waitForLine: (pattern, what, timeoutMs = 15_000) =>
      waitFor(() => pattern.test(output), timeoutMs, `dchat lb to print ${what}; it printed:\n${output}`).then(() => undefined),
  };
  t.after(() => lb.stop());
  return lb;
}

function countMatches(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
}

function streamBody(): string {
  return [
    `    include ${upstreamFile};`,
    '    server {',
    `        listen 127.0.0.1:${listenPort};`,
    '        proxy_connect_timeout 1s;',
    '        proxy_pass dchat;',
    '    }',
  ].join('\n');
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dchat-lb-'));
  upstreamFile = join(dir, 'dchat-upstream.conf');
  // nginx will not start without the file it includes: lb's own "no node yet" text stands in.
  writeFileSync(upstreamFile, placeholderUpstreamText(defaultUpstreamOptions));
  zk = await startZooKeeper();
  backends = await Promise.all([1, 2, 3, 4].map(() => startTcpBackend()));
  listenPort = await freeLoopbackPort();
  nginx = await startNginx(streamBody());
});

after(async () => {
  for (const child of lbProcesses) if (child.exitCode === null) child.kill('SIGKILL');
  for (const session of nodeSessions.values()) await session.close().catch(() => {});
  await nginx?.stop();
  await Promise.all(backends.map((b) => b.stop()));
  await zk?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function backend(index: number): TcpBackend {
  const found = backends[index];
  assert.ok(found, `no backend ${index}`);
  return found;
}
const b1 = (): TcpBackend => backend(0);
const b2 = (): TcpBackend => backend(1);
const b3 = (): TcpBackend => backend(2);
const b4 = (): TcpBackend => backend(3);

test('dchat lb --once writes the live nodes into the upstream and reloads nginx, which then reaches exactly them', async () => {
  assert.ok(nginx);
  await registerNode(b1());
  await registerNode(b2(), 2);
  const run = await runDchat(['lb', '--once', '--zk', zk?.connectString ?? '', '--conf', nginx.configPath, '--prefix', nginx.prefix, '--upstream-file', upstreamFile]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /upstream dchat has 2 node\(s\): .*; nginx reloaded/);
  const file = readFileSync(upstreamFile, 'utf8');
  assert.match(file, new RegExp(`server ${b2().address} weight=2 max_fails=3 fail_timeout=30s;`));
  await assertReachesExactly([b1(), b2()]);
});

test('dchat lb follows nodes joining, leaving and dying, and nginx reaches exactly the live ones after each change', async (t) => {
  const lb = startLb(t, ['--debounce-ms', '200', '--metrics', '127.0.0.1:0']);
  await lb.waitForLine(/upstream dchat has 2 node\(s\).*nginx reloaded/, 'its first upstream with 2 nodes');
  const metricsUrl = /dchat lb: metrics on (http:\/\/\S+)\/metrics/.exec(lb.output())?.[1];
  assert.ok(metricsUrl, `dchat lb printed its metrics address:\n${lb.output()}`);
  await registerNode(b3());
  await lb.waitForLine(/upstream dchat has 3 node\(s\).*nginx reloaded/, 'an upstream with the third node');
  await assertReachesExactly([b1(), b2(), b3()]);
  const metrics = await (await fetchOps(`${metricsUrl}/metrics`)).text();
  assert.match(metrics, /^dchat_lb_publishes_total\{outcome="written"\} 2$/m, 'two upstreams written');
  assert.match(metrics, /^dchat_lb_upstream_nodes\{state="published"\} 3$/m);
  assert.equal((await fetchOps(`${metricsUrl}/readyz`)).status, 200, 'dchat lb is ready');

  await nodeSessions.get(b1().address)?.unregisterEphemeral(`/dchat/nodes/${b1().address}`);
  await lb.waitForLine(new RegExp(`has 2 node\\(s\\): ${b2().address} weight=2, ${b3().address}|has 2 node\\(s\\): ${b3().address} weight=1, ${b2().address}`), 'an upstream without the node that left');
  await assertReachesExactly([b2(), b3()]);

  await nodeDies(b2());
  await lb.waitForLine(/upstream dchat has 1 node\(s\)/, 'an upstream without the node whose session closed');
  await assertReachesExactly([b3()]);
  await nodeDies(b1());
});

test('dchat lb keeps the last upstream when no node is left, and nginx keeps running on it', async (t) => {
  assert.ok(nginx);
  const lb = startLb(t, ['--debounce-ms', '200']);
  await lb.waitForLine(/upstream dchat has 1 node\(s\)/, 'its first upstream with the one live node');
  const before = readFileSync(upstreamFile, 'utf8');
  await nodeDies(b3());
  await lb.waitForLine(/no live chat node in \/dchat\/nodes: kept the last upstream/, 'that it kept the last upstream');
  assert.equal(readFileSync(upstreamFile, 'utf8'), before, 'the upstream file is unchanged');
  assert.ok(existsSync(join(nginx.prefix, 'nginx.pid')), 'nginx still runs');
  process.kill(nginx.pid, 0);
  await assertReachesExactly([b3()]);

  await registerNode(b4());
  await lb.waitForLine(/upstream dchat has 1 node\(s\): 127\.0\.0\.1:\d+ weight=1 \(round-robin\)/, 'the node that registered again');
  await assertReachesExactly([b4()]);
});

test('dchat lb debounces a burst: three nodes registering at once cost one write and one reload', async (t) => {
  const lb = startLb(t, ['--debounce-ms', '1500']);
  await lb.waitForLine(/upstream dchat has 1 node\(s\)/, 'its first upstream');
  await Promise.all([registerNode(b1()), registerNode(b2()), registerNode(b3())]);
  await lb.waitForLine(/upstream dchat has 4 node\(s\)/, 'one upstream with all four nodes');
  const written = countMatches(lb.output(), /upstream dchat has \d node\(s\)/);
  assert.equal(written, 2, `one write at start and one for the burst, got:\n${lb.output()}`);
  await assertReachesExactly([b1(), b2(), b3(), b4()]);
});

test('dchat lb leaves out a node whose data it cannot use, says why, and keeps the others', async (t) => {
  assert.ok(zk);
  const lb = startLb(t, ['--debounce-ms', '200']);
  await lb.waitForLine(/upstream dchat has 4 node\(s\)/, 'its first upstream');
  const broken = await ZkSession.connect({ connectString: zk.connectString, digests: testZkDigests });
  nodeSessions.set('broken', broken);
  await broken.registerEphemeral('/dchat/nodes/broken', Buffer.from('not json'));
  await lb.waitForLine(/node broken is left out of the upstream: its data is not JSON \("not json"\)/, 'why it left the broken node out');
  assert.equal(countMatches(lb.output(), /upstream dchat has \d node\(s\)/), 1, 'the upstream did not change');
  await assertReachesExactly([b1(), b2(), b3(), b4()]);
});

test('dchat lb --mode hash writes hash $remote_addr consistent, and clients from many addresses reach exactly the live nodes', async () => {
  assert.ok(nginx);
  await nodeDies(b4());
  const run = await runDchat(['lb', '--once', '--mode', 'hash', '--zk', zk?.connectString ?? '', '--conf', nginx.configPath, '--prefix', nginx.prefix, '--upstream-file', upstreamFile]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /upstream dchat has 3 node\(s\).*\(hash\); wrote .*; nginx reloaded/);
  assert.match(readFileSync(upstreamFile, 'utf8'), /hash \$remote_addr consistent;/);
  await assertReachesExactly([b1(), b2(), b3()], (i) => `127.0.${i % 7}.${i + 2}`);
});

test('dchat lb puts the previous upstream back when nginx rejects the new config, and nginx keeps serving', async () => {
  assert.ok(nginx);
  const before = readFileSync(upstreamFile, 'utf8');
  // nginx.conf proxies to `dchat`: an upstream named otherwise leaves proxy_pass without one.
  const run = await runDchat(['lb', '--once', '--upstream-name', 'other', '--zk', zk?.connectString ?? '', '--conf', nginx.configPath, '--prefix', nginx.prefix, '--upstream-file', upstreamFile]);
  assert.equal(run.status, 1, run.stdout);
  assert.match(run.stderr, /nginx -t rejects .*nginx\.conf: .*the previous upstream was put back/);
  assert.equal(readFileSync(upstreamFile, 'utf8'), before, 'the upstream file is the previous one');
  await assertReachesExactly([b1(), b2(), b3()], (i) => `127.0.${i % 7}.${i + 2}`);
});
