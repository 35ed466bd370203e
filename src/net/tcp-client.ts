// muduo's TcpClient: one outgoing connection with the same callbacks as TcpServer's
// connections. It does not reconnect by itself: the chat client and the RPC channels decide
// when to try again.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { ConnectionCallbacks } from './connection-callbacks.js';
import { NetError, systemErrorCode } from './net-error.js';
import { TcpConnection } from './tcp-connection.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export interface TcpClientOptions {
  name: string;
  host: string;
  port: number;
  /** The source address, e.g. 127.0.0.2 so that nginx's `hash $remote_addr` picks another node. */
  localAddress?: string;
  connectTimeoutMs?: number;
  /** Speak TLS: the connection is established once the handshake has succeeded. */
  tls?: TlsConnectionOptions;
}

let nextClientConnectionId = 1;

export class TcpClient extends ConnectionCallbacks {
  private conn: TcpConnection | undefined;
  private abortConnect: (() => void) | undefined;

  constructor(private readonly options: TcpClientOptions) {
    super();
  }

  /** Connects (or returns the live connection); rejects with NetError 'DCHAT_NET_CONNECT'. */
  connect(): Promise<TcpConnection> {
    if (this.conn !== undefined && this.conn.isConnected()) return Promise.resolve(this.conn);
    const { host, port, localAddress } = this.options;
    const timeoutMs = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const tls = this.options.tls;
      const socket = tls
        ? // tls.connect hands localAddress on to net.connect; its type omits it.
          tlsConnect({ ...tls, host, port, localAddress, noDelay: true } as TlsConnectionOptions)
        : netConnect({ host, port, localAddress, allowHalfOpen: true, noDelay: true });
      const fail = (err: NetError): void => {
        clearTimeout(timer);
        this.abortConnect = undefined;
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(connectTimeoutError(host, port, timeoutMs)), timeoutMs);
      const onError = (err: Error): void => fail(tls && isTlsFailure(err) ? handshakeError(host, port, err) : connectError(host, port, localAddress, err));
      this.abortConnect = () =>
        fail(new NetError('DCHAT_NET_CONNECT', `connecting to ${host}:${port} was aborted by disconnect()`));
      socket.once('error', onError);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        this.abortConnect = undefined;
        socket.off('error', onError);
        resolve(this.established(socket));
      });
    });
  }

  connection(): TcpConnection | undefined {
    return this.conn;
  }

  /** Aborts a connect in progress, or shuts the connection down after its queued output. */
  disconnect(): void {
    this.abortConnect?.();
    this.conn?.shutdown();
  }

  private established(socket: Socket): TcpConnection {
    const name = `${this.options.name}#${nextClientConnectionId++} ${this.options.host}:${this.options.port}`;
    const conn = new TcpConnection(name, socket);
    this.applyCallbacks(conn);
    conn.setCloseCallback(() => {
      if (this.conn === conn) this.conn = undefined;
    });
    this.conn = conn;
    conn.connectEstablished();
    return conn;
  }
}

function connectError(host: string, port: number, localAddress: string | undefined, err: Error): NetError {
  const where = `${host}:${port}`;
  const reasons: Record<string, string> = {
    ECONNREFUSED: `${where} refused the connection: is the server running? start it, or check the host and port`,
    ENOTFOUND: `cannot connect to ${where}: the host name does not resolve (ENOTFOUND); check its spelling or use an IP address`,
    EAI_AGAIN: `cannot connect to ${where}: the host name could not be resolved right now (EAI_AGAIN); check DNS`,
    EHOSTUNREACH: `cannot connect to ${where}: no route to the host (EHOSTUNREACH); check the address and the network`,
    ENETUNREACH: `cannot connect to ${where}: the network is unreachable (ENETUNREACH); check the address and the network`,
    EADDRNOTAVAIL: `cannot connect to ${where} from local address ${localAddress ?? '(any)'}: it is not an address of this machine (EADDRNOTAVAIL)`,
    ETIMEDOUT: `connecting to ${where} timed out (ETIMEDOUT): is the host up and the port not firewalled?`,
  };
  const code = systemErrorCode(err);
  const message = (code !== undefined ? reasons[code] : undefined) ?? `cannot connect to ${where}: ${err.message}`;
  return new NetError('DCHAT_NET_CONNECT', message, { cause: err });
}

/** OpenSSL's errors carry its library name and an ERR_SSL_… code; a reset during the handshake is one too. */
function isTlsFailure(err: Error): boolean {
  const code = systemErrorCode(err);
  return 'library' in err || code === undefined || code.startsWith('ERR_SSL') || code === 'ECONNRESET';
}

function handshakeError(host: string, port: number, err: Error): NetError {
  const reason = systemErrorCode(err) ?? err.message.split('\n')[0];
  return new NetError('DCHAT_NET_CONNECT', `${host}:${port} refused the TLS handshake (${reason}): it does not hold the same cluster secret as this process`, { cause: err });
}

function connectTimeoutError(host: string, port: number, timeoutMs: number): NetError {
  return new NetError(
    'DCHAT_NET_CONNECT',
    `connecting to ${host}:${port} timed out after ${timeoutMs} ms: is the host up and the port not firewalled? raise connectTimeoutMs on slow networks`,
  );
}
