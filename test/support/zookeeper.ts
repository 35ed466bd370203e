// Real ZooKeeper servers for tests: the servers of src/up/zookeeper-ensemble.ts (Debian's
// zookeeper 3.8 from a zoo.cfg, ready once `srvr` answers a `Mode:` line) in a temporary
// directory on free loopback ports. What `dchat up` never does to a server lives here: kill one,
// start it again, pause it. Every process is stopped by the pid recorded here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zookeeper from 'node-zookeeper-client';
import { freeLoopbackPorts } from '../../src/up/free-ports.js';
import type { ServiceProcess } from '../../src/up/service-process.js';
import {
  fourLetterWord as askFourLetterWord,
  launchZooKeeper,
  waitUntilServing,
  writeZooKeeperConfigs,
  zooKeeperMode,
  type FourLetterWord,
  type ZooKeeperServerFiles,
} from '../../src/up/zookeeper-ensemble.js';
import { assertInstalled, killOnExit, stopService } from './test-services.js';
import { waitFor } from './wait.js';

const leaderTimeoutMs = 40_000;
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

/** Reserves `count` distinct free loopback ports (all held open at once, so none repeats). */
export const freePorts = freeLoopbackPorts;

/** Sends a four-letter command and returns the whole answer, or '' if nothing serves the port. */
export function fourLetterWord(port: number, word: FourLetterWord, timeoutMs = 2_000): Promise<string> {
  return askFourLetterWord(port, word, timeoutMs);
}

async function startServers(size: number): Promise<ZkServerHandle> {
  assertInstalled(['zookeeper']);
  const baseDir = mkdtempSync(join(tmpdir(), 'dchat-zk-'));
  const servers = writeZooKeeperConfigs(baseDir, await freeLoopbackPorts(size * 3));
  const running: (ServiceProcess | undefined)[] = servers.map(() => undefined);
  const pids = servers.map(() => 0);
  const serverAt = (index: number): ZooKeeperServerFiles => {
    const server = servers[index];
    if (!server) throw new Error(`no ZooKeeper server ${index}: the ensemble has ${size} (0..${size - 1})`);
    return server;
  };
  const runningAt = (index: number): ServiceProcess | undefined => (serverAt(index) ? running[index] : undefined);
  const start = async (index: number): Promise<void> => {
    const member = launchZooKeeper(serverAt(index));
    running[index] = killOnExit(member.process);
    pids[index] = member.process.pid;
    await waitUntilServing(member);
  };
  const terminate = async (index: number, signal: NodeJS.Signals): Promise<void> => {
    const service = runningAt(index);
    running[index] = undefined;
    pids[index] = 0;
    if (service) await stopService(service, signal, stopGraceMs);
  };
  const handle: ZkServerHandle = {
    connectString: servers.map((s) => `127.0.0.1:${s.clientPort}`).join(','),
    ports: servers.map((s) => s.clientPort),
    pids,
    dirs: servers.map((s) => s.dir),
    async stop() {
      await Promise.all(servers.map((_, i) => terminate(i, 'SIGTERM')));
      rmSync(baseDir, { recursive: true, force: true });
    },
    killServer: (index) => terminate(index, 'SIGKILL'),
    async startServer(index) {
      if (runningAt(index)) throw new Error(`ZooKeeper server ${index} is already running (pid ${pids[index]})`);
      await start(index);
    },
    leaderIndex() {
      const probe = async (): Promise<number | undefined> => {
        const modes = await Promise.all(servers.map((s, i) => (running[i] ? zooKeeperMode(s.clientPort) : undefined)));
        const index = modes.findIndex((m) => m === 'leader' || m === 'standalone');
        return index >= 0 ? index : undefined;
      };
      return waitFor(probe, leaderTimeoutMs, `a leader among ZooKeeper servers ${handle.connectString}`, 100);
    },
    pauseServer(index) {
      runningAt(index)?.child.kill('SIGSTOP');
    },
    resumeServer(index) {
      runningAt(index)?.child.kill('SIGCONT');
    },
    async clientConnections(index) {
      const match = /^Connections: (\d+)/m.exec(await fourLetterWord(serverAt(index).clientPort, 'stat'));
      if (!match) throw new Error(`ZooKeeper server ${index} did not answer stat`);
      return Number(match[1]) - 1;
    },
  };
  try {
    await Promise.all(servers.map((_, i) => start(i)));
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

/** True when some server of the connect string lists the session among its connections (`cons`). */
async function isListedByAServer(connectString: string, sessionId: string): Promise<boolean> {
  const sid = `sid=0x${sessionId.replace(/^0+/, '')}`;
  const servers = (connectString.split('/')[0] ?? '').split(',');
  for (const server of servers) {
    const port = Number(server.slice(server.lastIndexOf(':') + 1));
    const listing = await fourLetterWord(port, 'cons').catch(() => '');
    if (listing.includes(sid)) return true;
  }
  return false;
}

/**
 * Expires a live session for real, the way ZooKeeper's own tests do: a second client joins it
 * with the same id and password and closes it, which deletes its ephemerals and makes the owner's
 * next reconnect see "session expired". The owner may win its connection back before the close is
 * sent, so this repeats until the server itself answers that the session has expired.
 */
export async function expireSession(connectString: string, sessionId: string, password: Buffer): Promise<void> {
  const id = Buffer.from(BigInt.asUintN(64, BigInt(`0x${sessionId}`)).toString(16).padStart(16, '0'), 'hex');
  // An "expired" answer is not proof: the owner can reconnect and carry on with the session
  // between the close and the answer (seen here). The server's own list of connected sessions
  // (`cons`) is: the session is gone when, a moment after the answer, no server lists it.
  // The owner reconnects at once each time it is pushed off, and a join that lands in the middle
  // of that is answered "expired" without closing anything: attempts back off, so that one of
  // them finds the session settled on the owner's connection.
  const results: string[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * attempt)));
    const result = await joinAndClose(connectString, id, password, 10_000);
    results.push(result);
    if (result !== 'expired') continue;
    const stillConnected = await waitFor(async () => (await isListedByAServer(connectString, sessionId)) || undefined, 2_000, 'the owner to come back').catch(() => false);
    if (!stillConnected) return;
    results.push('(still connected)');
  }
  throw new Error(`session 0x${sessionId} at ${connectString} did not expire after 20 close attempts: ${results.join(', ')}`);
}
