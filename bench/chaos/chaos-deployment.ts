// The deployment a chaos run breaks, started with dchat's own starters (src/up) as `dchat up
// --cluster` starts it: a ZooKeeper ensemble of three, MariaDB, chat nodes behind nginx, each
// chat node watched by dchat up's Supervisor, which restarts it after a kill. What dchat up never
// does lives here too: the faults. Each node reaches ZooKeeper through user-space relays of its
// own (test/support/faulty-relay.ts), so that one node can be cut off while the others stay.
// Every process is recorded as it starts and stopped by its pid, also when the run fails.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterSecret } from '../../src/base/cluster-secret.js';
import { defaultUpstreamOptions, upstreamText } from '../../src/lb/upstream-text.js';
import { fileSize, readFrom, startChild, type StartedChild } from '../../src/up/child-process.js';
import type { RecordedProcess } from '../../src/up/cluster-state.js';
import { dchatExecutable } from '../../src/up/dchat-executable.js';
import { freeLoopbackPorts } from '../../src/up/free-ports.js';
import { initialiseMariaDb, startMariaDb } from '../../src/up/mariadb-server.js';
import { nginxLayout, startNginxFront, writeNginxConfig } from '../../src/up/nginx-front.js';
import { childPids, isRunning, signalQuietly, stopRecorded } from '../../src/up/process-stopper.js';
import { Supervisor } from '../../src/up/supervisor.js';
import type { ServiceProcess } from '../../src/up/service-process.js';
import { waitUntil } from '../../src/up/wait-until.js';
import { launchZooKeeper, startZooKeeperEnsemble, waitUntilServing, zooKeeperMode, type ZooKeeperMember } from '../../src/up/zookeeper-ensemble.js';
import { ZkSession } from '../../src/zk/zk-session.js';
import { startFaultyRelay, type FaultyRelay } from '../../test/support/faulty-relay.js';
import { zkSessionPassword } from '../../test/support/zk-session-password.js';
import { expireSession } from '../../test/support/zookeeper.js';
import { withTimeout } from './with-timeout.js';

export interface ChaosDeploymentOptions {
  dir: string;
  nodeCount: number;
  /** Client connections nginx must proxy at once: it sizes the worker count. */
  maxConnections: number;
  /** How soon a killed node is started again (dchat up's default is 1 s). */
  restartBackoffMs: number;
  /** Lines for the operator: supervision reports, fault progress. */
  log: (line: string) => void;
  /** Added to every chat node's command line (bench/storm turns the per-source login buckets off, as behind nginx). */
  nodeArgs?: readonly string[];
}

/** A fault's own account of itself: what it hit, and when everything it broke was whole again. */
export interface FaultOutcome {
  target: string;
  /** performance.now() when the deployment was healed (restarted, re-elected, re-registered). */
  healedAtMs: number;
}

const readyLine = /dchat server listening on (\S+):(\d+)/;
const nodeReadyTimeoutMs = 60_000;
const healTimeoutMs = 60_000;
/** Election and restart of a ZooKeeper server on a busy machine: seconds, rarely more. */
const zkHealTimeoutMs = 60_000;

interface ChatNode {
  readonly index: number;
  readonly nodeId: string;
  readonly record: RecordedProcess;
  readonly relays: FaultyRelay[];
  current: StartedChild;
  /** Resolves with the next process the supervisor starts for this node. */
  onRestart: ((started: StartedChild) => void) | undefined;
}

export class ChaosDeployment {
  private readonly processes: RecordedProcess[] = [];
  private readonly relays: FaultyRelay[] = [];
  private readonly nodes: ChatNode[] = [];
  private zkMembers: ZooKeeperMember[] = [];
  private zkConnectString = '';
  private db: { dir: string; port: number; url: string; record: RecordedProcess; service: ServiceProcess } | undefined;
  private session: ZkSession | undefined;
  private readonly supervisor: Supervisor;
  entry = { host: '127.0.0.1', port: 0 };

  private constructor(private readonly options: ChaosDeploymentOptions) {
    process.on('exit', this.killAllNow);
    this.supervisor = new Supervisor(options.dir, (text) => options.log(`[supervisor] ${text}`), {
      restartBackoffMs: options.restartBackoffMs,
      restartBackoffMaxMs: 30_000,
    });
  }

  /** Starts everything; stops whatever started if a step fails. */
  static async start(options: ChaosDeploymentOptions): Promise<ChaosDeployment> {
    const deployment = new ChaosDeployment(options);
    try {
      await deployment.startAll();
      return deployment;
    } catch (err) {
      await deployment.stop();
      throw err;
    }
  }

  /** Every process of the deployment as it runs now (nginx's workers included). */
  pids(): number[] {
    return this.processes.flatMap((p) => (p.role === 'nginx' ? [p.pid, ...childPids(p.pid)] : [p.pid]));
  }

  /** mysql://… of the deployment's MariaDB, for a benchmark that seeds it. */
  databaseUrl(): string {
    if (!this.db) throw new Error('the deployment has no database: it did not start');
    return this.db.url;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  nodeIdOf(index: number): string {
    return this.node(index).nodeId;
  }

  private async startAll(): Promise<void> {
    const { dir, nodeCount } = this.options;
    mkdirSync(dir, { recursive: true });
    const ports = await freeLoopbackPorts(9 + 1 + 1 + 2 * nodeCount);
    const [dbPort, entryPort] = ports.slice(9) as [number, number];
    const nodePorts = ports.slice(11, 11 + nodeCount);
    const rpcPorts = ports.slice(11 + nodeCount);
    const zk = await startZooKeeperEnsemble(join(dir, 'zk'), ports.slice(0, 9), (m) =>
      this.record({ name: m.name, role: 'zookeeper', pid: m.process.pid, port: m.clientPort, logFile: m.logFile, marker: m.configPath }),
    );
    this.zkMembers = zk.members;
    this.zkConnectString = zk.connectString;
    await this.startDatabase(join(dir, 'mariadb'), dbPort);
    const secret = ClusterSecret.generate();
    for (let i = 0; i < nodeCount; i++) await this.startNode(i, nodePorts[i] ?? 0, rpcPorts[i] ?? 0, secret);
    await this.startNginx(entryPort);
    this.session = await ZkSession.connect({ connectString: this.zkConnectString, digests: ClusterSecret.of([secret], 'the chaos run').zkDigests() });
  }

  private record(proc: RecordedProcess): RecordedProcess {
    this.processes.push(proc);
    return proc;
  }

  private async startDatabase(dir: string, port: number): Promise<void> {
    await initialiseMariaDb(dir);
    const server = await startMariaDb(dir, port, (s) =>
      this.record({ name: 'MariaDB', role: 'mariadb', pid: s.process.pid, port: s.port, logFile: s.logFile, marker: `--datadir=${s.dataDir}` }),
    );
    const record = this.processes[this.processes.length - 1] as RecordedProcess;
    this.db = { dir, port, url: server.url, record, service: server.process };
  }

  /** A chat node as dchat up starts one, its ZooKeeper reached through relays of its own, restarted by the supervisor. */
  private async startNode(index: number, port: number, rpcPort: number, secret: string): Promise<void> {
    const relays: FaultyRelay[] = [];
    for (const member of this.zkMembers) relays.push(await startFaultyRelay(member.clientPort));
    this.relays.push(...relays);
    const dataDir = join(this.options.dir, `node-${index + 1}`);
    mkdirSync(dataDir, { recursive: true });
    const zkThroughRelays = relays.map((r) => `127.0.0.1:${r.port}`).join(',');
    const args = ['server', '--host', '127.0.0.1', '--port', String(port), '--rpc-port', String(rpcPort), '--zk', zkThroughRelays, '--db', this.db?.url ?? '', '--data-dir', dataDir, '--password-cost', 'test', ...(this.options.nodeArgs ?? [])];
    const name = `chat node ${index + 1}`;
    const logFile = join(dataDir, 'server.log');
    const start = (onSpawn: (pid: number) => void): Promise<StartedChild> =>
      startChild({ name, ...dchatExecutable(args), logFile, ready: readyLine, readyTimeoutMs: nodeReadyTimeoutMs, env: { DCHAT_CLUSTER_SECRET: secret }, detached: true, onSpawn });
    let record: RecordedProcess | undefined;
    const first = await start((pid) => (record = this.record({ name, role: 'chat-node', pid, port, logFile, marker: dataDir })));
    if (!record) throw new Error(`${name} started without a pid`);
    const node: ChatNode = { index, nodeId: `127.0.0.1:${port}`, record, relays, current: first, onRestart: undefined };
    this.nodes.push(node);
    const restart = async (): Promise<StartedChild> => {
      const started = await start((pid) => (node.record.pid = pid));
      node.current = started;
      node.onRestart?.(started);
      return started;
    };
    this.supervisor.watch({ record, child: first.child, restart });
  }

  /** nginx in front of the nodes with a fixed upstream, as `dchat lb` writes it for them. */
  private async startNginx(port: number): Promise<void> {
    const layout = nginxLayout(join(this.options.dir, 'nginx'));
    mkdirSync(layout.prefix, { recursive: true });
    const records = this.nodes.map((n) => ({ nodeId: n.nodeId, clientAddress: n.nodeId, weight: 1 }));
    writeFileSync(layout.upstreamFile, upstreamText(records, defaultUpstreamOptions));
    // Each proxied connection holds two descriptors; a worker may hold 20,000 (deploy/README.md).
    writeNginxConfig(layout, port, { workerProcesses: Math.max(2, Math.ceil((2 * this.options.maxConnections) / 12_000)), proxyTimeout: '10m' });
    await startNginxFront(layout, port, (f) => this.record({ name: 'nginx', role: 'nginx', pid: f.process.pid, port, logFile: layout.errorLog, marker: layout.configPath }));
    this.entry = { host: '127.0.0.1', port };
  }

  private node(index: number): ChatNode {
    const node = this.nodes[index];
    if (!node) throw new Error(`no chat node ${index}: the deployment has ${this.nodes.length}`);
    return node;
  }

  private zk(): ZkSession {
    if (!this.session) throw new Error('the chaos deployment has no ZooKeeper session: it did not start');
    return this.session;
  }

  /** The session that owns the node's /dchat/nodes entry, or undefined while there is none. */
  private async entryOwner(node: ChatNode): Promise<string | undefined> {
    return (await this.zk().exists(`/dchat/nodes/${node.nodeId}`))?.ephemeralOwner;
  }

  private waitForEntry(node: ChatNode, what: string, accept: (owner: string) => boolean): Promise<string> {
    return waitUntil(async () => {
      const owner = await withTimeout(this.entryOwner(node), 2_000, 'an answer from ZooKeeper').catch(() => undefined);
      return owner !== undefined && accept(owner) ? owner : undefined;
    }, healTimeoutMs, `${what} (/dchat/nodes/${node.nodeId})`, 50);
  }

  /** kill -9 of a chat node; healed once dchat up's supervisor restarted it and it registered again. */
  async killNode(index: number): Promise<FaultOutcome> {
    const node = this.node(index);
    const ownerBefore = await withTimeout(this.entryOwner(node), 10_000, `ZooKeeper to answer where ${node.record.name} is registered`);
    const restarted = new Promise<StartedChild>((resolve) => (node.onRestart = resolve));
    const pid = node.current.pid;
    node.current.child.kill('SIGKILL');
    await withTimeout(restarted, healTimeoutMs, `the supervisor to restart ${node.record.name} after kill -9 of pid ${pid}`);
    node.onRestart = undefined;
    await this.waitForEntry(node, `${node.record.name} to register again after its restart`, (owner) => owner !== ownerBefore);
    return { target: `${node.record.name} (pid ${pid})`, healedAtMs: performance.now() };
  }

  /** SIGKILL of the ZooKeeper leader (`srvr` says `Mode: leader`); healed once a new leader serves and the killed server serves again. */
  async killZooKeeperLeader(): Promise<FaultOutcome> {
    // A busy machine may leave a srvr unanswered for a second: ask again rather than give up.
    const index = await waitUntil(async () => {
      const modes = await Promise.all(this.zkMembers.map((m) => zooKeeperMode(m.clientPort)));
      const found = modes.indexOf('leader');
      return found >= 0 ? found : undefined;
    }, zkHealTimeoutMs, 'a ZooKeeper server to answer srvr with Mode: leader', 100);
    const leader = this.zkMembers[index];
    if (!leader) throw new Error(`no ZooKeeper server ${index}: the ensemble has ${this.zkMembers.length}`);
    await killAndWait(leader.process, `${leader.name} (pid ${leader.process.pid})`);
    const others = this.zkMembers.filter((m) => m !== leader);
    await waitUntil(async () => (await Promise.all(others.map((m) => zooKeeperMode(m.clientPort)))).includes('leader'), zkHealTimeoutMs, 'a new ZooKeeper leader', 50);
    const restarted = launchZooKeeper(leader);
    this.zkMembers[index] = restarted;
    const record = this.processes.find((p) => p.marker === leader.configPath);
    if (record) record.pid = restarted.process.pid;
    await waitUntilServing(restarted);
    return { target: `${leader.name} on port ${leader.clientPort} (pid ${leader.process.pid})`, healedAtMs: performance.now() };
  }

  /** Expires the node's ZooKeeper session (test/support expireSession); healed once the node registered in a new one. */
  async expireNodeSession(index: number): Promise<FaultOutcome> {
    const node = this.node(index);
    const owner = await this.waitForEntry(node, `${node.record.name} to be registered before its session is expired`, () => true);
    const logOffset = fileSize(node.record.logFile);
    await expireSession(this.zkConnectString, owner, zkSessionPassword(owner));
    // Healed when the node says it put back every ephemeral (its entry, its users' presence), not
    // at the first of them: messages to its users wait for their presence.
    await waitUntil(() => restoredLine.test(readFrom(node.record.logFile, logOffset)), healTimeoutMs, `${node.record.name} to log "new session …, N ephemeral(s) … restored" after 0x${owner} expired`, 50);
    return { target: `${node.record.name} (session 0x${owner})`, healedAtMs: performance.now() };
  }

  /** kill -9 of MariaDB and a start on the same port and data; healed once it answers again. */
  async restartDatabase(): Promise<FaultOutcome> {
    const db = this.db;
    if (!db) throw new Error('the chaos deployment has no MariaDB: it did not start');
    const pid = db.record.pid;
    await killAndWait(db.service, `MariaDB (pid ${pid})`);
    const server = await startMariaDb(db.dir, db.port, (s) => (db.record.pid = s.process.pid));
    db.service = server.process;
    return { target: `MariaDB (pid ${pid})`, healedAtMs: performance.now() };
  }

  /** Cuts the node off from every ZooKeeper server for cutMs (its relays refuse and drop); healed once it is registered again. */
  async cutNodeFromZooKeeper(index: number, cutMs: number): Promise<FaultOutcome> {
    const node = this.node(index);
    for (const relay of node.relays) relay.block();
    await new Promise((resolve) => setTimeout(resolve, cutMs));
    for (const relay of node.relays) relay.unblock();
    await this.waitForEntry(node, `${node.record.name} to be registered after ${cutMs} ms cut off from ZooKeeper`, () => true);
    return { target: `${node.record.name} for ${(cutMs / 1000).toFixed(1)} s`, healedAtMs: performance.now() };
  }

  /**
   * Every process runs in a group of its own (as under dchat up), so nothing else ends them: a
   * run that exits early (Ctrl-C, the test runner's timeout) kills them from its 'exit' hook.
   */
  private readonly killAllNow = (): void => {
    for (const proc of this.processes) {
      if (!isRunning(proc.pid, proc.marker)) continue;
      const workers = proc.role === 'nginx' ? childPids(proc.pid) : [];
      for (const pid of [proc.pid, ...workers]) signalQuietly(pid, 'SIGKILL');
    }
  };

  /** Stops everything by pid, the nodes first (nothing is restarted any more). */
  async stop(): Promise<void> {
    this.supervisor.stop();
    process.off('exit', this.killAllNow);
    await this.session?.close().catch(() => undefined);
    const order = [...this.processes].reverse().sort((a, b) => Number(b.role === 'chat-node') - Number(a.role === 'chat-node'));
    for (const proc of order) await stopRecorded(proc).catch(() => undefined);
    for (const relay of this.relays) await relay.close();
  }
}

/** What src/zk/zk-session.ts logs once a new session has everything of the expired one back. */
const restoredLine = /new session 0x[0-9a-f]+, \d+ ephemeral\(s\) and \d+ watch\(es\) restored/;

/** SIGKILL, and the exit seen: a crash, not a shutdown. */
async function killAndWait(service: ServiceProcess, name: string): Promise<void> {
  if (service.exitStatus() !== undefined) return;
  const exited = new Promise((resolve) => service.child.once('exit', resolve));
  service.child.kill('SIGKILL');
  await withTimeout(exited, 10_000, `${name} to exit after kill -9`);
}
