// Real ZooKeeper servers for tests: the servers of src/up/zookeeper-ensemble.ts (Debian's
// zookeeper 3.8 from a zoo.cfg, ready once `srvr` answers a `Mode:` line) in a temporary
// directory on free loopback ports. What `dchat up` never does to a server lives here: kill one,
// start it again, pause it. Every process is stopped by the pid recorded here.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPorts } from '../../src/up/free-ports.js';
import type { ServicePlacement, ServiceProcess } from '../../src/up/service-process.js';
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
  /** Address of each server, by index (127.0.0.1 unless placed on hosts). */
  hosts: string[];
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

async function startServers(size: number, placements: readonly ServicePlacement[] = []): Promise<ZkServerHandle> {
  assertInstalled(['zookeeper']);
  const baseDir = mkdtempSync(join(tmpdir(), 'dchat-zk-'));
  const servers = writeZooKeeperConfigs(baseDir, await freeLoopbackPorts(size * 3), placements);
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
    connectString: servers.map((s) => `${s.host}:${s.clientPort}`).join(','),
    ports: servers.map((s) => s.clientPort),
    hosts: servers.map((s) => s.host),
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
        const modes = await Promise.all(servers.map((s, i) => (running[i] ? zooKeeperMode(s.clientPort, s.host) : undefined)));
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
      const match = /^Connections: (\d+)/m.exec(await askFourLetterWord(serverAt(index).clientPort, 'stat', 2_000, serverAt(index).host));
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

/**
 * A three-server ensemble, on free loopback ports or, given three placements, each server on its
 * own host (its address, its `ip netns exec`); resolves once every server serves.
 */
export function startZooKeeperEnsemble(size: 3 = 3, placements: readonly ServicePlacement[] = []): Promise<ZkServerHandle> {
  return startServers(size, placements);
}

type Attempt = 'expired' | 'closed' | 'preempted' | 'failed';

/** The server addresses of a connect string (its chroot, if any, dropped). */
function serversOf(connectString: string): { host: string; port: number }[] {
  return (connectString.split('/')[0] ?? '').split(',').map((server) => {
    const colon = server.lastIndexOf(':');
    return { host: server.slice(0, colon), port: Number(server.slice(colon + 1)) };
  });
}

/**
 * Joins the session with its id and password over ZooKeeper's own wire protocol and closes it.
 * 'expired': the server refused the join (the session is already gone). 'closed': the server
 * answered the closeSession request, so it closed the session while this connection still held
 * it. 'preempted': the connection was dropped before that answer, because the owner reconnected
 * and took the session back, and the close may not have happened.
 *
 * Written against the wire rather than with node-zookeeper-client, because that client neither
 * reports the answer to its closeSession nor tells a refused join from a dropped one.
 */
function joinAndClose(server: { host: string; port: number }, sessionId: Buffer, password: Buffer, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    const socket = connect(server.port, server.host);
    let received = Buffer.alloc(0);
    let joined = false;
    const finish = (result: Attempt): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish('failed'), timeoutMs);
    socket.on('connect', () => {
      // ConnectRequest: protocolVersion, lastZxidSeen, timeOut, sessionId, passwd (length + bytes),
      // then at once a closeSession, RequestHeader { xid 1, type -11 }. The server reads the
      // close only once the join is through, so the owner has no time to take the session back.
      const join = Buffer.alloc(4 + 4 + 8 + 4 + 8 + 4 + password.length);
      let at = join.writeInt32BE(join.length - 4, 0);
      at = join.writeInt32BE(0, at);
      at = join.writeBigInt64BE(0n, at);
      at = join.writeInt32BE(10_000, at);
      at += sessionId.copy(join, at);
      at = join.writeInt32BE(password.length, at);
      password.copy(join, at);
      const close = Buffer.alloc(12);
      close.writeInt32BE(8, 0);
      close.writeInt32BE(1, 4);
      close.writeInt32BE(-11, 8);
      socket.write(Buffer.concat([join, close]));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
        const frame = received.subarray(4, 4 + received.readInt32BE(0));
        received = received.subarray(4 + frame.length);
        if (!joined) {
          // ConnectResponse { protocolVersion, timeOut, ... }: a timeOut of 0 refuses the session.
          if (frame.readInt32BE(4) <= 0) return finish('expired');
          joined = true;
        } else if (frame.readInt32BE(0) === 1) {
          // ReplyHeader { xid, zxid, err }: err 0 is the session closed on this connection.
          return finish(frame.readInt32BE(12) === 0 ? 'closed' : 'preempted');
        }
      }
    });
    socket.on('error', () => finish(joined ? 'preempted' : 'failed'));
    socket.on('close', () => finish(joined ? 'preempted' : 'failed'));
  });
}

/**
 * Expires a live session for real, the way ZooKeeper's own tests do: a second client joins it
 * with the same id and password and closes it, which deletes its ephemerals and makes the owner's
 * next reconnect see "session expired".
 *
 * The owner reconnects at once each time a join pushes it off, and may take the session back
 * before the close is processed. The close then still ends the session, but the owner's new
 * connection stays open on the dead session and the owner hears nothing until the server drops
 * it. Only a close answered on the joining connection is proof that the owner had not come
 * back: the owner's reconnect would have dropped that connection first. The close is sent
 * together with the join, which leaves the owner next to no time to come back; should it still
 * win, this repeats, backing off, until a close is answered or a join is refused.
 */
export async function expireSession(connectString: string, sessionId: string, password: Buffer): Promise<void> {
  const id = Buffer.from(BigInt.asUintN(64, BigInt(`0x${sessionId}`)).toString(16).padStart(16, '0'), 'hex');
  const servers = serversOf(connectString);
  const results: Attempt[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * attempt)));
    const server = servers[attempt % servers.length] ?? { host: '127.0.0.1', port: 2181 };
    const result = await joinAndClose(server, id, password, 10_000);
    results.push(result);
    // After a 'preempted' attempt, a refused join means that close went through after all, with
    // the owner back on a connection the server drops later: the owner hears of it late.
    if (result === 'closed' || result === 'expired') return;
  }
  throw new Error(`session 0x${sessionId} at ${connectString} did not expire after 20 close attempts: ${results.join(', ')}`);
}
