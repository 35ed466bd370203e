// The seed architecture across hosts (test/support/hosts.ts), for end-to-end tests and
// benchmarks: a ZooKeeper ensemble of three on three hosts, MariaDB on a fourth, N chat nodes on
// a host each (each binding and advertising its host's address, all on the same ports, as on
// real machines), nginx and `dchat lb` together on a front host, and client hosts whose clients
// run there (test/support/host-client.ts). The test process drives everything from the bridge's
// control address. stop() stops every process it started and removes the hosts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { defaultUpstreamOptions, placeholderUpstreamText } from '../../src/lb/upstream-text.js';
import type { ServicePlacement } from '../../src/up/service-process.js';
import { ZkSession } from '../../src/zk/zk-session.js';
import { spawnDchat, startDchatServer, testZkDigests, type DchatProcess } from './dchat-process.js';
import type { Endpoint } from './delivery-ledger.js';
import { startHostNet, type Host, type HostNet } from './hosts.js';
import { startMariaDb, type MariaDbHandle } from './mariadb.js';
import { startNginx, type NginxHandle } from './nginx.js';
import { HostClients } from './remote-correspondent.js';
import { waitFor } from './wait.js';
import { startZooKeeperEnsemble, type ZkServerHandle } from './zookeeper.js';

/** The ports every chat node uses on its own host, as a deployment would. */
export const nodeClientPort = 6000;
export const nodeRpcPort = 7000;
export const frontPort = 8000;

export interface HostsClusterOptions {
  nodes: number;
  clientHosts: number;
  /** Added to every node's command line. */
  nodeArgs?: string[];
  /** Added to `dchat lb`'s command line. */
  lbArgs?: string[];
  /** Client connections nginx must proxy at once (default 400: a test's few dozen, with room). */
  frontConnections?: number;
}

export interface ChatNodeOnHost {
  readonly host: Host;
  /** The node's id in /dchat/nodes: its host's address and the client port. */
  readonly nodeId: string;
  process: DchatProcess;
}

export interface LbOnHost {
  output(): string;
  waitForLine(pattern: RegExp, what: string, timeoutMs?: number): Promise<void>;
}

export interface HostsCluster {
  readonly net: HostNet;
  readonly zkServer: ZkServerHandle;
  readonly db: MariaDbHandle;
  /** The test's own ZooKeeper session, from the control address. */
  readonly zk: ZkSession;
  readonly nodes: ChatNodeOnHost[];
  readonly nginx: NginxHandle;
  readonly lb: LbOnHost;
  /** Where clients connect: nginx on the front host. */
  readonly front: Endpoint;
  readonly clients: HostClients[];
  /** The node a user is logged in on, as /dchat/presence says ("address:port"), or 'nowhere'. */
  nodeOf(userId: number): Promise<string>;
  /** Starts node `index` again on its host, same ports and id (after it was stopped or killed). */
  restartNode(index: number): Promise<void>;
  stop(): Promise<void>;
}

function placementOn(net: HostNet, host: Host): ServicePlacement {
  return { bindHost: host.address, commandPrefix: net.commandPrefix(host) };
}

function startNode(net: HostNet, host: Host, zk: string, db: string, extraArgs: readonly string[]): Promise<DchatProcess> {
  const args = [
    '--host', host.address, '--port', String(nodeClientPort),
    '--rpc-host', host.address, '--rpc-port', String(nodeRpcPort), '--advertise-host', host.address,
    '--zk', zk, '--db', db, '--password-cost', 'test', ...extraArgs,
  ];
  return startDchatServer(args, { commandPrefix: placementOn(net, host).commandPrefix });
}

function startLb(net: HostNet, host: Host, zk: string, nginx: NginxHandle, upstreamFile: string, extraArgs: readonly string[]): { child: ChildProcess; lb: LbOnHost } {
  const args = ['lb', '--zk', zk, '--conf', nginx.configPath, '--prefix', nginx.prefix, '--upstream-file', upstreamFile, '--debounce-ms', '200', ...extraArgs];
  const child = spawnDchat(args, {}, placementOn(net, host).commandPrefix);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const lb: LbOnHost = {
    output: () => output,
    waitForLine: (pattern, what, timeoutMs = 15_000) =>
      waitFor(() => pattern.test(output), timeoutMs, `dchat lb to print ${what}; it printed:\n${output}`).then(() => undefined),
  };
  return { child, lb };
}

function frontStream(listen: string, upstreamFile: string): string {
  return [
    `    include ${upstreamFile};`,
    '    server {',
    `        listen ${listen};`,
    '        proxy_pass dchat;',
    '        proxy_connect_timeout 1s;',
    '        proxy_next_upstream on;',
    '        proxy_next_upstream_tries 3;',
    '    }',
  ].join('\n');
}

export async function startHostsCluster(options: HostsClusterOptions): Promise<HostsCluster> {
  const nodeNames = Array.from({ length: options.nodes }, (_, i) => `node${i + 1}`);
  const clientNames = Array.from({ length: options.clientHosts }, (_, i) => `client${i + 1}`);
  const net = startHostNet(['zk1', 'zk2', 'zk3', 'db', ...nodeNames, 'front', ...clientNames]);
  const stops: (() => Promise<void> | void)[] = [() => net.remove()];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    const zkHosts = ['zk1', 'zk2', 'zk3'].map((n) => placementOn(net, net.host(n)));
    const [zkServer, db] = await Promise.all([startZooKeeperEnsemble(3, zkHosts), startMariaDb(placementOn(net, net.host('db')))]);
    stops.push(() => zkServer.stop(), () => db.stop());
    const zk = await ZkSession.connect({ connectString: zkServer.connectString, digests: testZkDigests });
    stops.push(() => zk.close());

    const nodes: ChatNodeOnHost[] = [];
    stops.push(() => Promise.all(nodes.map((n) => n.process.stop())).then(() => undefined));
    for (const name of nodeNames) {
      const host = net.host(name);
      nodes.push({ host, nodeId: `${host.address}:${nodeClientPort}`, process: await startNode(net, host, zkServer.connectString, db.url, options.nodeArgs ?? []) });
    }

    const frontHost = net.host('front');
    const dir = mkdtempSync(join(tmpdir(), 'dchat-front-'));
    stops.push(() => rmSync(dir, { recursive: true, force: true }));
    const upstreamFile = join(dir, 'dchat-upstream.conf');
    // nginx will not start without the file it includes: lb's own "no node yet" text stands in.
    writeFileSync(upstreamFile, placeholderUpstreamText(defaultUpstreamOptions));
    // Each proxied connection holds two of a worker's connections, and a reload leaves the old
    // worker holding its clients while the new one takes the reconnecting ones.
    const frontConnections = options.frontConnections ?? 400;
    const workers = { processes: 1, connections: Math.max(1024, 4 * frontConnections), rlimitNofile: Math.max(2048, 8 * frontConnections) };
    const nginx = await startNginx(frontStream(`${frontHost.address}:${frontPort}`, upstreamFile), placementOn(net, frontHost).commandPrefix, workers);
    stops.push(() => nginx.stop());
    const { child: lbChild, lb } = startLb(net, frontHost, zkServer.connectString, nginx, upstreamFile, options.lbArgs ?? []);
    stops.push(async () => {
      if (lbChild.exitCode !== null || lbChild.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => lbChild.once('close', () => resolve()));
      lbChild.kill('SIGTERM');
      await exited;
    });
    await lb.waitForLine(new RegExp(`upstream dchat has ${options.nodes} node\\(s\\).*nginx reloaded`), `an upstream with all ${options.nodes} nodes`);

    const clients: HostClients[] = [];
    stops.push(() => Promise.all(clients.map((c) => c.stop())).then(() => undefined));
    for (const name of clientNames) clients.push(await HostClients.start(net, net.host(name)));

    return {
      net, zkServer, db, zk, nodes, nginx, lb, clients,
      front: { host: frontHost.address, port: frontPort },
      async nodeOf(userId) {
        const entry = await zk.getData(`/dchat/presence/${userId}`);
        return entry ? String((JSON.parse(entry.data.toString()) as Record<string, unknown>)['nodeId']) : 'nowhere';
      },
      async restartNode(index) {
        const node = nodes[index];
        if (!node) throw new Error(`no node ${index}: there are ${nodes.length}`);
        node.process = await startNode(net, node.host, zkServer.connectString, db.url, options.nodeArgs ?? []);
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
