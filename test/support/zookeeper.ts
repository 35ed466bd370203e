// Real ZooKeeper servers for tests: Debian's zookeeper 3.8 started from a zoo.cfg in a temporary
// directory on free loopback ports, as DESIGN.md prescribes. A server is ready when `srvr` on its
// client port answers a `Mode:` line: `ruok` answers `imok` before the server serves, and after it
// lost its quorum, so it proves nothing. Every process is stopped by the pid recorded here, and a
// process 'exit' hook kills what a crashed test left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zookeeper from 'node-zookeeper-client';
import { waitFor } from './wait.js';

const javaBinary = '/usr/bin/java';
const zookeeperJar = '/usr/share/java/zookeeper.jar';
const classPath = `/etc/zookeeper/conf:${zookeeperJar}:/usr/share/java/slf4j-simple.jar`;
const installHint = 'zookeeper is not installed: run `bash scripts/install-system-deps.sh`';
const readyTimeoutMs = 40_000;
const stopGraceMs = 5_000;

export interface ZkServerHandle {
  /** "127.0.0.1:p1,127.0.0.1:p2,…" over every server of the ensemble. */
  connectString: string;
  /** Client port of each server, by index. */
  ports: number[];
  /** Pid of each server by index; 0 while a server is killed. */
  pids: number[];
  /** Data directory of each server (removed by stop). */
  dirs: string[];
  stop(): Promise<void>;
  /** SIGKILLs server `index` (a crash, not a clean shutdown) and waits until it is gone. */
  killServer(index: number): Promise<void>;
  /** Starts server `index` again on its old ports and data; resolves once it serves. */
  startServer(index: number): Promise<void>;
  /** Index of the server that is leader now (standalone counts as leader); waits for an election. */
  leaderIndex(): Promise<number>;
  /** Freezes server `index` (SIGSTOP): its sockets stay open but it answers nothing. */
  pauseServer(index: number): void;
  /** Thaws a paused server (SIGCONT). */
  resumeServer(index: number): void;
  /** Client connections server `index` holds, not counting the one that asks. */
  clientConnections(index: number): Promise<number>;
}

interface ServerSpec {
  dir: string;
  clientPort: number;
  child: ChildProcess | undefined;
}

const livePids = new Set<number>();
process.on('exit', () => {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
// A signal ends the process without 'exit' hooks; exiting from it runs them (the runner's timeout
// and Ctrl-C must not leave java behind).
for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => process.exit(status));
}

function assertInstalled(): void {
  if (!existsSync(javaBinary) || !existsSync(zookeeperJar)) throw new Error(installHint);
}

/** Reserves `count` distinct free loopback ports (all held open at once, so none repeats). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Sends a four-letter command and returns the whole answer, or '' if nothing serves the port. */
export function fourLetterWord(port: number, word: 'srvr' | 'ruok' | 'stat' | 'mntr', timeoutMs = 2_000): Promise<string> {
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

/** The server's `Mode:` (standalone, leader, follower), or undefined while it does not serve. */
async function serverMode(port: number): Promise<string | undefined> {
  const match = /^Mode: (\S+)/m.exec(await fourLetterWord(port, 'srvr', 1_000));
  return match?.[1];
}

function writeConfig(spec: ServerSpec, quorumLines: string[]): void {
  const lines = [
    'tickTime=2000',
    `dataDir=${spec.dir}`,
    `clientPort=${spec.clientPort}`,
    'clientPortAddress=127.0.0.1',
    'admin.enableServer=false',
    '4lw.commands.whitelist=ruok,srvr,stat,mntr',
  ];
  if (quorumLines.length > 0) lines.push('initLimit=10', 'syncLimit=5', ...quorumLines);
  writeFileSync(join(spec.dir, 'zoo.cfg'), lines.join('\n') + '\n');
}

function launch(spec: ServerSpec): number {
  const log = createWriteStream(join(spec.dir, 'zookeeper.log'), { flags: 'a' });
  const child = spawn(
    javaBinary,
    ['-Xmx256m', '-cp', classPath, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', join(spec.dir, 'zoo.cfg')],
    { cwd: spec.dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  if (child.pid === undefined) throw new Error(`could not start java for ZooKeeper in ${spec.dir}`);
  livePids.add(child.pid);
  const pid = child.pid;
  child.once('exit', () => livePids.delete(pid));
  spec.child = child;
  return pid;
}

async function waitUntilServing(spec: ServerSpec): Promise<void> {
  const what = `ZooKeeper on 127.0.0.1:${spec.clientPort} to answer srvr with a Mode line (log: ${spec.dir}/zookeeper.log)`;
  const probe = async (): Promise<string | undefined> => {
    if (spec.child?.exitCode !== null) {
      throw new Error(`ZooKeeper on port ${spec.clientPort} exited with ${String(spec.child?.exitCode)}; see ${spec.dir}/zookeeper.log`);
    }
    return serverMode(spec.clientPort);
  };
  await waitFor(probe, readyTimeoutMs, what, 100);
}

async function terminate(spec: ServerSpec, firstSignal: NodeJS.Signals): Promise<void> {
  const child = spec.child;
  spec.child = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A paused server would not act on SIGTERM until continued.
  child.kill('SIGCONT');
  child.kill(firstSignal);
  const timer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
  await exited;
  clearTimeout(timer);
}

async function startServers(size: number): Promise<ZkServerHandle> {
  assertInstalled();
  const ports = await freePorts(size * 3);
  const specs: ServerSpec[] = [];
  for (let i = 0; i < size; i++) {
    specs.push({ dir: mkdtempSync(join(tmpdir(), `dchat-zk-${i + 1}-`)), clientPort: ports[i * 3] ?? 0, child: undefined });
  }
  const quorumLines =
    size === 1 ? [] : specs.map((_, i) => `server.${i + 1}=127.0.0.1:${ports[i * 3 + 1]}:${ports[i * 3 + 2]}`);
  specs.forEach((spec, i) => {
    writeConfig(spec, quorumLines);
    if (size > 1) writeFileSync(join(spec.dir, 'myid'), `${i + 1}\n`);
  });

  const pids = specs.map(() => 0);
  const specAt = (index: number): ServerSpec => {
    const spec = specs[index];
    if (!spec) throw new Error(`no ZooKeeper server ${index}: the ensemble has ${size} (0..${size - 1})`);
    return spec;
  };
  const handle: ZkServerHandle = {
    connectString: specs.map((s) => `127.0.0.1:${s.clientPort}`).join(','),
    ports: specs.map((s) => s.clientPort),
    pids,
    dirs: specs.map((s) => s.dir),
    async stop() {
      await Promise.all(specs.map((spec) => terminate(spec, 'SIGTERM')));
      pids.fill(0);
      for (const spec of specs) rmSync(spec.dir, { recursive: true, force: true });
    },
    async killServer(index) {
      await terminate(specAt(index), 'SIGKILL');
      pids[index] = 0;
    },
    async startServer(index) {
      const spec = specAt(index);
      if (spec.child) throw new Error(`ZooKeeper server ${index} is already running (pid ${pids[index]})`);
      pids[index] = launch(spec);
      await waitUntilServing(spec);
    },
    async leaderIndex() {
      const probe = async (): Promise<number | undefined> => {
        const modes = await Promise.all(specs.map((s) => (s.child ? serverMode(s.clientPort) : undefined)));
        const index = modes.findIndex((m) => m === 'leader' || m === 'standalone');
        return index >= 0 ? index : undefined;
      };
      return waitFor(probe, readyTimeoutMs, `a leader among ZooKeeper servers ${handle.connectString}`, 100);
    },
    pauseServer(index) {
      specAt(index).child?.kill('SIGSTOP');
    },
    resumeServer(index) {
      specAt(index).child?.kill('SIGCONT');
    },
    async clientConnections(index) {
      const match = /^Connections: (\d+)/m.exec(await fourLetterWord(specAt(index).clientPort, 'stat'));
      if (!match) throw new Error(`ZooKeeper server ${index} did not answer stat`);
      return Number(match[1]) - 1;
    },
  };
  try {
    for (let i = 0; i < size; i++) {
      pids[i] = launch(specAt(i));
    }
    await Promise.all(specs.map(waitUntilServing));
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}

/** One standalone ZooKeeper server on a free loopback port. */
export function startZooKeeper(): Promise<ZkServerHandle> {
  return startServers(1);
}

/** A three-server ensemble on free loopback ports; resolves once every server serves. */
export function startZooKeeperEnsemble(size: 3 = 3): Promise<ZkServerHandle> {
  return startServers(size);
}

type Attempt = 'expired' | 'closed' | 'failed';

/** Joins the session with its id and password and closes it: 'expired' if it was already dead. */
function joinAndClose(connectString: string, sessionId: Buffer, password: Buffer, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    const client = zookeeper.createClient(connectString, { sessionId, sessionPassword: password, sessionTimeout: 10_000 });
    let closing = false;
    const finish = (result: Attempt): void => {
      clearTimeout(timer);
      client.removeAllListeners();
      if (!closing) client.close();
      resolve(result);
    };
    const timer = setTimeout(() => finish('failed'), timeoutMs);
    client.on('state', (state: zookeeper.State) => {
      if (state === zookeeper.State.EXPIRED) finish('expired');
      else if (state === zookeeper.State.SYNC_CONNECTED && !closing) {
        closing = true;
        client.close();
      } else if (state === zookeeper.State.DISCONNECTED && closing) finish('closed');
    });
    client.connect();
  });
}

/**
 * Expires a live session for real, the way ZooKeeper's own tests do: a second client joins it
 * with the same id and password and closes it, which deletes its ephemerals and makes the owner's
 * next reconnect see "session expired". The owner may win its connection back before the close is
 * sent, so this repeats until the server itself answers that the session has expired.
 */
export async function expireSession(connectString: string, sessionId: string, password: Buffer): Promise<void> {
  const id = Buffer.from(BigInt.asUintN(64, BigInt(`0x${sessionId}`)).toString(16).padStart(16, '0'), 'hex');
  for (let attempt = 0; attempt < 20; attempt++) {
    if ((await joinAndClose(connectString, id, password, 10_000)) === 'expired') return;
  }
  throw new Error(`session 0x${sessionId} at ${connectString} did not expire after 20 close attempts`);
}
