// A ZooKeeper ensemble of three on loopback ports, as DESIGN.md starts it: one zoo.cfg per
// server (with the quorum's server.N lines and a myid file), `java … QuorumPeerMain zoo.cfg`.
// A server serves when `srvr` answers a `Mode:` line; `ruok` says imok before that, and also
// after the server lost its quorum, so it proves nothing.
import { connect } from 'node:net';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertRunning, launchService, type ServiceProcess } from './service-process.js';
import { clusterBinaries } from './system-packages.js';
import { waitUntil } from './wait-until.js';

export interface ZooKeeperMember {
  readonly dir: string;
  readonly clientPort: number;
  readonly configPath: string;
  readonly logFile: string;
  readonly process: ServiceProcess;
}

export interface ZooKeeperEnsemble {
  readonly connectString: string;
  readonly members: ZooKeeperMember[];
}

const readyTimeoutMs = 60_000;

/**
 * Writes the configs and launches every server; `onLaunched` sees each pid at once (to record
 * it before waiting). The data directories are emptied first: ZooKeeper holds only the live
 * state of one run (ephemeral nodes of processes that are gone would otherwise linger).
 */
export async function startZooKeeperEnsemble(
  baseDir: string,
  ports: readonly number[],
  onLaunched: (member: ZooKeeperMember) => void,
): Promise<ZooKeeperEnsemble> {
  const size = ports.length / 3;
  const quorum = Array.from({ length: size }, (_, i) => `server.${i + 1}=127.0.0.1:${ports[i * 3 + 1]}:${ports[i * 3 + 2]}`);
  const members: ZooKeeperMember[] = [];
  for (let i = 0; i < size; i++) {
    const dir = join(baseDir, `zookeeper-${i + 1}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const clientPort = ports[i * 3] ?? 0;
    const configPath = join(dir, 'zoo.cfg');
    writeFileSync(configPath, zooConfig(dir, clientPort, quorum));
    writeFileSync(join(dir, 'myid'), `${i + 1}\n`);
    const logFile = join(dir, 'zookeeper.log');
    const args = ['-Xmx256m', '-cp', clusterBinaries.zookeeperClassPath, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', configPath];
    const member = { dir, clientPort, configPath, logFile, process: launchService(`ZooKeeper ${i + 1}`, clusterBinaries.java, args, logFile, dir) };
    members.push(member);
    onLaunched(member);
  }
  await Promise.all(members.map(waitUntilServing));
  return { connectString: members.map((m) => `127.0.0.1:${m.clientPort}`).join(','), members };
}

function zooConfig(dir: string, clientPort: number, quorum: string[]): string {
  return [
    'tickTime=2000',
    `dataDir=${dir}`,
    `clientPort=${clientPort}`,
    'clientPortAddress=127.0.0.1',
    'admin.enableServer=false',
    '4lw.commands.whitelist=ruok,srvr,stat,mntr',
    'initLimit=10',
    'syncLimit=5',
    ...quorum,
    '',
  ].join('\n');
}

async function waitUntilServing(member: ZooKeeperMember): Promise<void> {
  const name = `ZooKeeper on 127.0.0.1:${member.clientPort}`;
  await waitUntil(
    async () => {
      assertRunning(name, member.process, member.logFile);
      return /^Mode: /m.test(await fourLetterWord(member.clientPort, 'srvr'));
    },
    readyTimeoutMs,
    `${name} to answer srvr with a Mode line (log: ${member.logFile})`,
    100,
  );
}

/** The whole answer to a four-letter command, or '' if nothing answers. */
export function fourLetterWord(port: number, word: 'srvr' | 'ruok', timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
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
