// Notices a ZooKeeper server that stopped answering. node-zookeeper-client sends pings but never
// times out on the answers, so a frozen server (or a network that drops packets) would hold the
// connection, and the session with it, until the ensemble expires it. ZooKeeper's own client
// gives up on a server it has not heard from for 2/3 of the session timeout and moves on to the
// next one, leaving a third of the timeout to reach it before the session expires. ZkLiveness
// does the same: a small read every sixth of the session timeout; a connection that leaves one
// unanswered for half the timeout (or a handshake that never completes) is dropped, and the
// library reconnects to the next server of the list.
import { createLogger } from '../base/logger.js';

const log = createLogger('zk.liveness');

export interface ZkLivenessTarget {
  /** Session timeout as negotiated with the server (ms). */
  sessionTimeoutMs(): number;
  serverCount(): number;
  isConnected(): boolean;
  /** One cheap request on the current connection; settles (either way) once the server answers. */
  probe(): Promise<unknown>;
  /** Closes the current socket so that the library reconnects elsewhere. */
  dropConnection(reason: string): void;
}

export class ZkLiveness {
  private timer: NodeJS.Timeout | undefined;
  private probeStartedAt: number | undefined;
  private lastResetAt = Date.now();
  private wasConnected = false;

  constructor(private readonly target: ZkLivenessTarget) {}

  start(): void {
    this.stop();
    this.timer = setInterval(() => this.tick(), Math.max(100, Math.floor(this.target.sessionTimeoutMs() / 6)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = Date.now();
    const timeoutMs = this.target.sessionTimeoutMs();
    const isConnected = this.target.isConnected();
    if (isConnected !== this.wasConnected) {
      this.wasConnected = isConnected;
      this.lastResetAt = now;
      this.probeStartedAt = undefined;
    }
    if (!isConnected) {
      this.checkHandshake(now, timeoutMs);
      return;
    }
    if (this.probeStartedAt === undefined) {
      this.startProbe(now);
    } else if (now - this.probeStartedAt > timeoutMs / 2) {
      this.reset(now, `no answer from the server for ${now - this.probeStartedAt} ms`);
    }
  }

  /** A server that accepted TCP but never answers the handshake would hold the connect forever. */
  private checkHandshake(now: number, timeoutMs: number): void {
    const perServerMs = Math.max(1_000, timeoutMs / Math.max(1, this.target.serverCount()));
    if (now - this.lastResetAt > perServerMs) this.reset(now, `no session handshake for ${now - this.lastResetAt} ms`);
  }

  private startProbe(now: number): void {
    this.probeStartedAt = now;
    const settle = (): void => {
      if (this.probeStartedAt === now) this.probeStartedAt = undefined;
    };
    this.target.probe().then(settle, settle);
  }

  private reset(now: number, reason: string): void {
    log.warn('dropping the ZooKeeper connection: %s', reason);
    this.lastResetAt = now;
    this.probeStartedAt = undefined;
    this.target.dropConnection(reason);
  }
}
