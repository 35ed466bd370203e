// A ZooKeeper ensemble on loopback ports, as DESIGN.md starts it: one zoo.cfg per server (with
// the quorum's server.N lines and a myid file), `java … QuorumPeerMain zoo.cfg`.
// A server serves when `srvr` answers a `Mode:` line; `ruok` says imok before that, and also
// after the server lost its quorum, so it proves nothing.
import { connect } from 'node:net';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertRunning, launchService, loopbackPlacement, type ServicePlacement, type ServiceProcess } from './service-process.js';
import { clusterBinaries } from './system-packages.js';
import { waitUntil } from './wait-until.js';

/** The files of one server of the ensemble, written before it starts and kept across its restarts. */
export interface ZooKeeperServerFiles {
  readonly name: string;
  readonly dir: string;
  /** The address every port of the server binds. */
  readonly host: string;
  readonly clientPort: number;
  readonly configPath: string;
  readonly logFile: string;
  readonly commandPrefix: readonly string[];
}

export interface ZooKeeperMember extends ZooKeeperServerFiles {
  readonly process: ServiceProcess;
}

export interface ZooKeeperEnsemble {
  readonly connectString: string;
  readonly members: ZooKeeperMember[];
}

/** The commands zoo.cfg lets through (4lw.commands.whitelist). */
export type FourLetterWord = 'srvr' | 'ruok' | 'stat' | 'mntr';

const readyTimeoutMs = 60_000;

/**
 * Writes the configs and launches every server; `onLaunched` sees each pid at once (to record
 * it before waiting). Three ports per server: client, peer and election.
 */
export async function startZooKeeperEnsemble(
  baseDir: string,
  ports: readonly number[],
  onLaunched: (member: ZooKeeperMember) => void,
): Promise<ZooKeeperEnsemble> {
  const members: ZooKeeperMember[] = [];
  for (const server of writeZooKeeperConfigs(baseDir, ports)) {
    const member = launchZooKeeper(server);
    members.push(member);
    onLaunched(member);
  }
  await Promise.all(members.map(waitUntilServing));
  return { connectString: members.map((m) => `${m.host}:${m.clientPort}`).join(','), members };
}

/**
 * One directory per server under `baseDir`, emptied first: ZooKeeper holds only the live state
 * of one run (ephemeral nodes of processes that are gone would otherwise linger). A single
 * server gets no quorum lines and runs standalone. Server i runs where `placements[i]` says
 * (loopback by default).
 */
export function writeZooKeeperConfigs(baseDir: string, ports: readonly number[], placements: readonly ServicePlacement[] = []): ZooKeeperServerFiles[] {
  const size = Math.floor(ports.length / 3);
  const placementOf = (i: number): ServicePlacement => placements[i] ?? loopbackPlacement;
  const quorum = size === 1 ? [] : Array.from({ length: size }, (_, i) => `server.${i + 1}=${placementOf(i).bindHost}:${ports[i * 3 + 1]}:${ports[i * 3 + 2]}`);
  return Array.from({ length: size }, (_, i) => {
    const dir = join(baseDir, `zookeeper-${i + 1}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const clientPort = ports[i * 3] ?? 0;
    const configPath = join(dir, 'zoo.cfg');
    const { bindHost: host, commandPrefix } = placementOf(i);
    writeFileSync(configPath, zooConfig(dir, host, clientPort, quorum));
    if (quorum.length > 0) writeFileSync(join(dir, 'myid'), `${i + 1}\n`);
    return { name: `ZooKeeper ${i + 1}`, dir, host, clientPort, configPath, logFile: join(dir, 'zookeeper.log'), commandPrefix };
  });
}

/** Starts one server from its config; also a server that was stopped, with the data it left. */
export function launchZooKeeper(server: ZooKeeperServerFiles): ZooKeeperMember {
  const args = ['-Xmx256m', '-cp', clusterBinaries.zookeeperClassPath, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', server.configPath];
  return { ...server, process: launchService(server.name, clusterBinaries.java, args, server.logFile, server.dir, server.commandPrefix) };
}

function zooConfig(dir: string, host: string, clientPort: number, quorum: string[]): string {
  const quorumLines = quorum.length > 0 ? ['initLimit=10', 'syncLimit=5', ...quorum] : [];
  return [
    'tickTime=2000',
    `dataDir=${dir}`,
    `clientPort=${clientPort}`,
    `clientPortAddress=${host}`,
    'admin.enableServer=false',
    '4lw.commands.whitelist=ruok,srvr,stat,mntr',
    ...quorumLines,
    '',
  ].join('\n');
}

export async function waitUntilServing(member: ZooKeeperMember): Promise<void> {
  const name = `ZooKeeper on ${member.host}:${member.clientPort}`;
  await waitUntil(
    async () => {
      assertRunning(name, member.process, member.logFile);
      return (await zooKeeperMode(member.clientPort, member.host)) !== undefined;
    },
    readyTimeoutMs,
    `${name} to answer srvr with a Mode line (log: ${member.logFile})`,
    100,
  );
}

/** The server's `Mode:` (standalone, leader, follower), or undefined while it does not serve. */
export async function zooKeeperMode(port: number, host = '127.0.0.1'): Promise<string | undefined> {
  return /^Mode: (\S+)/m.exec(await fourLetterWord(port, 'srvr', 1_000, host))?.[1];
}

/** The whole answer to a four-letter command, or '' if nothing answers. */
export function fourLetterWord(port: number, word: FourLetterWord, timeoutMs = 1_000, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let answer = '';
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(done, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(word));
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', done);
    socket.on('error', done);
  });
}
