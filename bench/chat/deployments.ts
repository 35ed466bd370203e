// The two deployments the chat benchmark compares, started with dchat's own starters (src/up):
// one standalone `dchat server` (SQLite, services in-process), and a cluster of chat nodes on
// ZooKeeper and MariaDB behind nginx. Every process is stopped by its pid, also on failure.
// Nodes run with `--password-cost test`: registering and logging in thousands of users at the
// production scrypt cost would take half an hour.
import { ClusterSecret } from '../../src/base/cluster-secret.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultUpstreamOptions, upstreamText } from '../../src/lb/upstream-text.js';
import { presencePath } from '../../src/server/cluster-presence.js';
import { startChild, type StartedChild } from '../../src/up/child-process.js';
import type { RecordedProcess } from '../../src/up/cluster-state.js';
import { dchatExecutable } from '../../src/up/dchat-executable.js';
import { freeLoopbackPorts } from '../../src/up/free-ports.js';
import { initialiseMariaDb, startMariaDb } from '../../src/up/mariadb-server.js';
import { nginxLayout, startNginxFront, writeNginxConfig, type NginxLayout } from '../../src/up/nginx-front.js';
import { stopRecorded } from '../../src/up/process-stopper.js';
import { startZooKeeperEnsemble } from '../../src/up/zookeeper-ensemble.js';
import { ZkSession } from '../../src/zk/zk-session.js';
import type { RoleProcess } from './cpu-usage.js';
import type { Target } from './worker-protocol.js';

export interface ChatNodeProcess {
  readonly nodeId: string;
  readonly pid: number;
}

export interface Deployment {
  readonly name: string;
  /** Where clients connect: the node itself, or nginx. */
  readonly entry: Target;
  /** The chat node processes as they run now. */
  nodes(): readonly ChatNodeProcess[];
  /**
   * Stops every chat node and starts it again on the same port with the same storage, so that
   * a round's RSS figures start from a fresh process rather than one whose heap an earlier
   * round already grew.
   */
  restartNodes(): Promise<void>;
  /** Every process of the deployment, by role, for CPU accounting. */
  roleProcesses(): RoleProcess[];
  /** The index in `nodes` of the node each user is logged in on. */
  placement(userIds: readonly number[]): Promise<Map<number, number>>;
  stop(): Promise<void>;
}

export interface DeploymentOptions {
  dir: string;
  /** Node.js flags for the chat node processes (e.g. --cpu-prof). */
  nodeFlags: string[];
}

const readyLine = /dchat server listening on (\S+):(\d+)/;

/** Chat node processes started from fixed arguments (each with its own port), restartable. */
class NodeSet {
  private running: StartedChild[] = [];

  constructor(
    private readonly specs: { name: string; dataDir: string; args: string[] }[],
    private readonly options: DeploymentOptions,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** One at a time: the first node of a cluster creates the schema. */
  async start(): Promise<void> {
    for (const spec of this.specs) this.running.push(await this.startOne(spec));
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = [];
    for (const child of running) await child.stop();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  processes(): ChatNodeProcess[] {
    return this.running.map((child) => ({ nodeId: `${child.match[1]}:${child.match[2]}`, pid: child.pid }));
  }

  private startOne(spec: { name: string; dataDir: string; args: string[] }): Promise<StartedChild> {
    mkdirSync(spec.dataDir, { recursive: true });
    // Its load workers start 64 logins and 32 registrations at once from one address (nginx's,
    // in a cluster): the per-source buckets, made for people, would hold them back.
    const unlimited = ['--login-source-rate', 'off', '--register-source-rate', 'off', '--resume-source-rate', 'off'];
    const exe = dchatExecutable(['server', '--host', '127.0.0.1', '--data-dir', spec.dataDir, '--password-cost', 'test', ...unlimited, ...spec.args]);
    return startChild({
      name: spec.name,
      command: exe.command,
      args: [...this.options.nodeFlags, ...exe.args],
      logFile: join(spec.dataDir, 'server.log'),
      ready: readyLine,
      readyTimeoutMs: 60_000,
      env: { DCHAT_LOG_LEVEL: 'warn', ...this.env },
    });
  }
}

/** How often the benchmark scrapes a node run with --metrics: harsher than Prometheus' default 15 s. */
const scrapeIntervalMs = 1_000;

export interface StandaloneOptions extends DeploymentOptions {
  /** Run the node with --metrics and scrape it every second, as Prometheus would. */
  metrics?: boolean;
  /** Its data directory's name under dir (each deployment of a run has its own users). */
  dataDirName?: string;
}

export async function startStandalone(options: StandaloneOptions): Promise<Deployment> {
  const [port, metricsPort] = (await freeLoopbackPorts(2)) as [number, number];
  const args = ['--port', String(port), ...(options.metrics ? ['--metrics', `127.0.0.1:${metricsPort}`] : [])];
  const nodes = new NodeSet([{ name: 'standalone chat node', dataDir: join(options.dir, options.dataDirName ?? 'standalone'), args }], options, {});
  await nodes.start();
  // A scrape that fails (the node restarting between rounds) is simply missed, as Prometheus would.
  const scraper = options.metrics
    ? setInterval(() => void fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((res) => res.text()).catch(() => undefined), scrapeIntervalMs)
    : undefined;
  return {
    name: options.metrics ? 'standalone+metrics' : 'standalone',
    entry: { host: '127.0.0.1', port },
    nodes: () => nodes.processes(),
    restartNodes: () => nodes.restart(),
    roleProcesses: () => nodes.processes().map((n) => ({ role: 'chat nodes', pid: n.pid })),
    placement: (userIds) => Promise.resolve(new Map(userIds.map((id) => [id, 0]))),
    stop: () => {
      clearInterval(scraper);
      return nodes.stop();
    },
  };
}

export interface ClusterOptions extends DeploymentOptions {
  nodeCount: number;
  /** The most client connections nginx must proxy at once: it sizes the worker count. */
  maxConnections: number;
}

/**
 * The services (ZooKeeper, MariaDB, nginx) started and not yet stopped. They run detached, so a
 * Ctrl-C reaches only the benchmark: it stops them with stopStartedServices(), even mid-start.
 */
const startedServices = new Set<RecordedProcess>();

export async function stopStartedServices(): Promise<void> {
  for (const service of [...startedServices].reverse()) {
    await stopRecorded(service);
    startedServices.delete(service);
  }
}

/** Starts ZooKeeper, MariaDB, the nodes and nginx; stops whatever started if a step fails. */
export async function startCluster(options: ClusterOptions): Promise<Deployment> {
  const services: RecordedProcess[] = [];
  const record = (service: RecordedProcess): void => {
    services.push(service);
    startedServices.add(service);
  };
  let nodes: NodeSet | undefined;
  const stopAll = async (): Promise<void> => {
    await nodes?.stop();
    for (const service of services.reverse()) {
      await stopRecorded(service);
      startedServices.delete(service);
    }
  };
  try {
    const ports = await freeLoopbackPorts(3 + 1 + 1 + 2 * options.nodeCount);
    const [zkPort, peerPort, electionPort, dbPort, entryPort, ...nodePorts] = ports as [number, number, number, number, number, ...number[]];
    // Fixed RPC ports too: a restarted node then takes over the registrations its previous
    // process may have left in ZooKeeper, instead of peers calling a port nobody listens on.
    const rpcPorts = nodePorts.splice(options.nodeCount);
    const zk = await startZooKeeperEnsemble(join(options.dir, 'zk'), [zkPort, peerPort, electionPort], (m) =>
      record({ name: 'ZooKeeper', role: 'zookeeper', pid: m.process.pid, port: m.clientPort, logFile: m.logFile, marker: m.configPath }),
    );
    const dbDir = join(options.dir, 'mariadb');
    await initialiseMariaDb(dbDir);
    const db = await startMariaDb(dbDir, dbPort, (s) => record({ name: 'MariaDB', role: 'mariadb', pid: s.process.pid, port: s.port, logFile: s.logFile, marker: `--datadir=${s.dataDir}` }));
    const specs = nodePorts.map((port, i) => ({
      name: `chat node ${i + 1}`,
      dataDir: join(options.dir, `node-${i + 1}`),
      args: ['--port', String(port), '--rpc-port', String(rpcPorts[i]), '--zk', zk.connectString, '--db', db.url],
    }));
    const secret = ClusterSecret.generate();
    nodes = new NodeSet(specs, options, { DCHAT_CLUSTER_SECRET: secret });
    await nodes.start();
    const layout = nginxLayout(join(options.dir, 'nginx'));
    writeBenchNginxConfig(layout, entryPort, nodes.processes(), options.maxConnections);
    await startNginxFront(layout, entryPort, (f) => record({ name: 'nginx', role: 'nginx', pid: f.process.pid, port: entryPort, logFile: layout.errorLog, marker: layout.configPath }));
    const session = await ZkSession.connect({ connectString: zk.connectString, digests: ClusterSecret.of([secret], 'bench').zkDigests() });
    const running = nodes;
    return {
      name: `cluster of ${options.nodeCount}`,
      entry: { host: '127.0.0.1', port: entryPort },
      nodes: () => running.processes(),
      restartNodes: () => running.restart(),
      roleProcesses: () => [
        ...running.processes().map((n) => ({ role: 'chat nodes', pid: n.pid })),
        ...services.map((p) => ({ role: p.role, pid: p.pid, withChildren: p.role === 'nginx' })),
      ],
      placement: (userIds) => presenceOf(session, running.processes(), userIds),
      stop: async () => {
        await session.close();
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * nginx as `dchat up` runs it, with as many workers as the connections need: each proxied
 * connection holds two descriptors and a worker may hold 20,000 (deploy/README.md). The upstream
 * is written once here, as `dchat lb` would write it for these nodes.
 */
function writeBenchNginxConfig(layout: NginxLayout, port: number, nodes: readonly ChatNodeProcess[], maxConnections: number): void {
  mkdirSync(layout.prefix, { recursive: true });
  const records = nodes.map((n) => ({ nodeId: n.nodeId, clientAddress: n.nodeId, weight: 1 }));
  writeFileSync(layout.upstreamFile, upstreamText(records, defaultUpstreamOptions));
  const workers = Math.max(2, Math.ceil((2 * maxConnections) / 12_000));
  writeNginxConfig(layout, port, { workerProcesses: workers, proxyTimeout: '10m' });
}

/** Reads /dchat/presence/<id> of every user: the node that claimed it at login. */
async function presenceOf(session: ZkSession, nodes: readonly ChatNodeProcess[], userIds: readonly number[]): Promise<Map<number, number>> {
  const indexOf = new Map(nodes.map((n, i) => [n.nodeId, i]));
  const placement = new Map<number, number>();
  const lanes = 128;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < userIds.length) {
      const id = userIds[next++] as number;
      const found = await session.getData(presencePath(id));
      const nodeId = found ? (JSON.parse(found.data.toString('utf8')) as { nodeId?: string }).nodeId : undefined;
      const index = nodeId === undefined ? undefined : indexOf.get(nodeId);
      if (index === undefined) throw new Error(`user ${id} has no presence on a known node (/dchat/presence/${id}: ${found?.data.toString('utf8') ?? 'missing'})`);
      placement.set(id, index);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return placement;
}

/** VmRSS of a process in KiB, from /proc/<pid>/status. */
export function rssKib(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`/proc/${pid}/status has no VmRSS line: is process ${pid} still running?`);
  return Number(match[1]);
}
