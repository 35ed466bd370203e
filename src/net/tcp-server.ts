// muduo's TcpServer: accepts connections on one address and gives each a TcpConnection with
// the server's callbacks. A Node process is one reactor (libuv's loop), so there are no
// sub-reactor threads: more throughput means more chat nodes behind nginx.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { createLogger } from '../base/logger.js';
import { ConnectionCallbacks } from './connection-callbacks.js';
import { NetError, systemErrorCode } from './net-error.js';
import { RefusalLog } from './refusal-log.js';
import { resetSocket } from './socket-reset.js';
import { TcpConnection } from './tcp-connection.js';

const log = createLogger('net.tcp-server');

/** How long stop() lets connections flush and close before it destroys them. */
export const DEFAULT_STOP_GRACE_MS = 2000;

export interface TcpServerOptions {
  name: string;
  host: string;
  /** 0 picks a free port; start() tells which. */
  port: number;
  /** Connections beyond this are closed as soon as they are accepted (logged once per source and minute). */
  maxConnections?: number;
  /** A connection that begins to close is reset if still open this long after (see TcpConnection.setCloseGraceMs); default 0: wait for the peer. */
  closeGraceMs?: number;
  /**
   * Serve TLS: a connection reaches the callbacks only once its handshake has succeeded, so
   * nothing of a peer that cannot authenticate is buffered or acted on.
   */
  tls?: TlsOptions;
  /** With tls: a connection whose handshake has not finished by then is closed. */
  handshakeTimeoutMs?: number;
  /** The listen backlog: connections the kernel completes before they are accepted. */
  backlog?: number;
}

/**
 * Node's own default is 511. When a node dies, its thousands of clients reconnect to the others
 * within a second while they are busiest; a full queue drops their SYNs, each then waits a
 * second for the retransmission, and nginx counts a connect timeout against a live node. The
 * kernel caps it at net.core.somaxconn (4096 on current kernels).
 */
export const DEFAULT_LISTEN_BACKLOG = 4096;

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5000;

export interface TcpServerStats {
  connections: number;
  /** Output accepted by send() and not yet in the kernel, all connections together. */
  queuedBytes: number;
  /** The longest output queue: the slowest reader. */
  largestQueuedBytes: number;
  /** Connections whose input is paused by stopRead(). */
  stoppedReading: number;
}

export class TcpServer extends ConnectionCallbacks {
  private server: Server | undefined;
  private readonly connections = new Set<TcpConnection>();
  private nextConnectionId = 1;
  private onAllClosed: (() => void) | undefined;
  private readonly refusals = new RefusalLog(log);

  constructor(private readonly options: TcpServerOptions) {
    super();
  }

  /** Listens; resolves with the bound address, rejects with NetError 'DCHAT_NET_LISTEN'. */
  start(): Promise<{ host: string; port: number }> {
    const { host, port } = this.options;
    const tls = this.options.tls;
    const server = tls
      ? createTlsServer({ ...tls, allowHalfOpen: true, noDelay: true, handshakeTimeout: this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS }, this.onAccept)
      : createServer({ allowHalfOpen: true, noDelay: true }, this.onAccept);
    if (tls) server.on('tlsClientError', (err: Error, socket: Socket) => this.onHandshakeFailed(err, socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      const onListenError = (err: Error): void => {
        this.server = undefined;
        reject(listenError(host, port, err));
      };
      server.once('error', onListenError);
      server.listen({ host, port, backlog: this.options.backlog ?? DEFAULT_LISTEN_BACKLOG }, () => {
        server.off('error', onListenError);
        server.on('error', (err) => log.error('%s: %s', this.options.name, err.message));
        const address = server.address() as AddressInfo;
        log.info('%s: listening on %s:%d', this.options.name, address.address, address.port);
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  /** Closes the listening socket; established connections go on. */
  async stopAccepting(): Promise<void> {
    const server = this.server;
    if (server === undefined || !server.listening) return;
    // close()'s callback waits for every connection to end, so wait only for the handle to close.
    await new Promise<void>((resolve) => {
      server.close();
      setImmediate(resolve);
    });
  }

  /** Stops accepting, shuts every connection down, and destroys those still open after `graceMs`. */
  async stop(graceMs: number = DEFAULT_STOP_GRACE_MS): Promise<void> {
    await this.stopAccepting();
    for (const conn of this.connections) conn.shutdown();
    if (!(await this.allClosedWithin(graceMs))) {
      log.warn('%s: %d connections still open after %d ms: closing them', this.options.name, this.connections.size, graceMs);
      for (const conn of this.connections) conn.forceClose();
      await this.allClosedWithin(graceMs);
    }
    this.server = undefined;
  }

  connectionCount(): number {
    return this.connections.size;
  }

  /** Gauges for a dashboard, over the open connections. */
  stats(): TcpServerStats {
    const stats: TcpServerStats = { connections: this.connections.size, queuedBytes: 0, largestQueuedBytes: 0, stoppedReading: 0 };
    for (const conn of this.connections) {
      const queued = conn.queuedBytes();
      stats.queuedBytes += queued;
      stats.largestQueuedBytes = Math.max(stats.largestQueuedBytes, queued);
      if (!conn.isReading()) stats.stoppedReading++;
    }
    return stats;
  }

  private readonly onAccept = (socket: Socket): void => {
    if (socket.remoteAddress === undefined) {
      // The peer reset the connection before it was accepted: there is nobody to serve.
      socket.destroy();
      return;
    }
    const max = this.options.maxConnections;
    if (max !== undefined && this.connections.size >= max) {
      this.refusals.refused(socket.remoteAddress, `${this.options.name} has ${this.connections.size} connections, maxConnections ${max}`);
      // A reset, not a FIN: the refused socket must not linger in the kernel either.
      resetSocket(socket);
      return;
    }
    const name = `${this.options.name}#${this.nextConnectionId++} ${socket.remoteAddress}:${socket.remotePort}`;
    const conn = new TcpConnection(name, socket);
    this.applyCallbacks(conn);
    if (this.options.closeGraceMs !== undefined) conn.setCloseGraceMs(this.options.closeGraceMs);
    conn.setCloseCallback(this.onConnectionClosed);
    this.connections.add(conn);
    log.debug('%s: new connection %s', this.options.name, name);
    conn.connectEstablished();
  };

  /** A peer that did not authenticate: logged once per source and minute, not once per connection. */
  private onHandshakeFailed(err: Error, socket: Socket): void {
    socket.destroy();
    this.refusals.refused(socket.remoteAddress ?? '(unknown)', `${this.options.name}: the TLS handshake failed (${handshakeReason(err)}); only holders of the cluster secret are served`);
  }

  private readonly onConnectionClosed = (conn: TcpConnection): void => {
    this.connections.delete(conn);
    if (this.connections.size === 0) this.onAllClosed?.();
  };

  private allClosedWithin(timeoutMs: number): Promise<boolean> {
    if (this.connections.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.onAllClosed = undefined;
        resolve(false);
      }, timeoutMs);
      this.onAllClosed = () => {
        clearTimeout(timer);
        this.onAllClosed = undefined;
        resolve(true);
      };
    });
  }
}

function handshakeReason(err: Error): string {
  if (/timed out/i.test(err.message)) return 'no handshake within the timeout';
  if (/binder does not verify|psk|decrypt|tls_choose_sigalg|no suitable signature/i.test(err.message)) return 'wrong cluster secret';
  if (/wrong version number|http request|unknown protocol|record layer/i.test(err.message)) return 'not TLS';
  return err.message.replace(/^[0-9A-F]+:error:[0-9A-F]+:SSL routines:/, '').split(':')[0] ?? err.message;
}

function listenError(host: string, port: number, err: Error): NetError {
  const where = `${host}:${port}`;
  const code = systemErrorCode(err);
  const reasons: Record<string, string> = {
    EADDRINUSE: `the address is already in use (EADDRINUSE): stop the process holding it (\`ss -ltnp 'sport = :${port}'\` names it) or choose another port (0 picks a free one)`,
    EACCES: 'permission denied (EACCES): ports below 1024 need root or CAP_NET_BIND_SERVICE; choose a port >= 1024',
    EADDRNOTAVAIL: `${host} is not an address of this machine (EADDRNOTAVAIL): use 127.0.0.1, 0.0.0.0 or an address that \`ip addr\` lists`,
    ENOTFOUND: `the host name ${host} does not resolve (ENOTFOUND): check its spelling or use an IP address`,
  };
  const reason = (code !== undefined ? reasons[code] : undefined) ?? `${err.message}: check the host and port`;
  return new NetError('DCHAT_NET_LISTEN', `cannot listen on ${where}: ${reason}`, { cause: err });
}
