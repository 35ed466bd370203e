// The client gateway of a chat node: TcpServer + LengthCodec + one ClientSession per
// connection. It turns frames into Requests, runs them through the handlers, and writes one
// Response per Request. A frame that does not decode, or that is too large, gets a BAD_FRAME
// response and the connection is closed; the node itself never goes down for a client's bytes.
import { DchatError, errorMessage } from '../base/dchat-error.js';
import { createLogger } from '../base/logger.js';
import { dchat } from '../gen/proto.js';
import { LengthCodec } from '../net/length-codec.js';
import type { TcpConnection } from '../net/tcp-connection.js';
import { TcpServer } from '../net/tcp-server.js';
import { ClientSession, type Reply } from './client-session.js';
import { endLogin, handleRequest, type HandlerContext } from './request-handlers.js';

const log = createLogger('server.gateway');
const { Status } = dchat;

export interface GatewayOptions {
  host: string;
  port: number;
  maxFrameBytes: number;
  /** A connection that sends nothing (not even a ping) for this long is closed. */
  idleTimeoutMs: number;
  /** Output queued for one client beyond this means it does not read: it is disconnected. */
  highWaterMarkBytes: number;
  maxQueuedRequests: number;
}

export const defaultGatewayOptions: Omit<GatewayOptions, 'host' | 'port'> = {
  maxFrameBytes: 1024 * 1024,
  idleTimeoutMs: 90_000,
  highWaterMarkBytes: 8 * 1024 * 1024,
  maxQueuedRequests: 64,
};

export class Gateway {
  private readonly server: TcpServer;
  private readonly codec: LengthCodec;
  private readonly sessions = new Set<ClientSession>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: GatewayOptions,
    private readonly ctx: HandlerContext,
  ) {
    this.server = new TcpServer({ name: 'chat-gateway', host: options.host, port: options.port });
    this.codec = new LengthCodec({
      maxFrameBytes: options.maxFrameBytes,
      onFrame: (conn, frame) => this.onFrame(conn, frame),
      onError: (conn, error) => this.refuseFrame(conn, error.message),
    });
    this.server.setConnectionCallback((conn) => this.onConnection(conn));
    this.server.setMessageCallback(this.codec.onMessage);
    this.server.setWriteCompleteCallback((conn) => sessionOf(conn)?.notifyDrained());
    this.server.setHighWaterMarkCallback((conn, queuedBytes) => this.onHighWaterMark(conn, queuedBytes), options.highWaterMarkBytes);
  }

  async start(): Promise<{ host: string; port: number }> {
    const address = await this.server.start();
    this.idleTimer = setInterval(() => this.closeIdle(), Math.max(250, Math.floor(this.options.idleTimeoutMs / 4)));
    this.idleTimer.unref();
    return address;
  }

  connectionCount(): number {
    return this.sessions.size;
  }

  /** Stops accepting, tells every client the node is going away, and waits for the connections to close. */
  async stop(): Promise<void> {
    clearInterval(this.idleTimer);
    await this.server.stopAccepting();
    for (const session of this.sessions) session.kick(dchat.client.KickCode.SHUTTING_DOWN, 'the server is shutting down; reconnect to continue');
    await this.server.stop();
  }

  private onConnection(conn: TcpConnection): void {
    if (conn.isConnected()) {
      const session = new ClientSession(conn, this.codec, this.options.maxQueuedRequests);
      conn.context = session;
      this.sessions.add(session);
      log.debug('%s connected', conn.name);
      return;
    }
    const session = sessionOf(conn);
    if (!session) return;
    this.sessions.delete(session);
    session.notifyDrained();
    log.debug('%s closed (user %d)', conn.name, session.userId);
    session.enqueue(() => endLogin(this.ctx, session).catch((err: unknown) => log.warn('%s: logout after close failed: %s', conn.name, errorMessage(err))));
  }

  private onFrame(conn: TcpConnection, frame: Uint8Array): void {
    const session = sessionOf(conn);
    if (!session || !session.isOpen()) return;
    session.lastReceiveMs = Date.now();
    let request: dchat.client.Request;
    try {
      request = dchat.client.Request.decode(frame);
    } catch (err) {
      this.refuseFrame(conn, `the frame of ${frame.length} bytes is not a dchat.client.Request (${errorMessage(err)})`);
      return;
    }
    session.enqueue(async () => session.respond(request.requestId, await this.run(session, request)));
  }

  private async run(session: ClientSession, request: dchat.client.Request): Promise<Reply> {
    try {
      return await handleRequest(this.ctx, session, request);
    } catch (err) {
      return replyForFailure(session, request, err);
    }
  }

  private refuseFrame(conn: TcpConnection, why: string): void {
    const session = sessionOf(conn);
    log.warn('%s: closing after a bad frame: %s', conn.name, why);
    if (!session) return conn.forceClose();
    session.respond(0, { status: Status.BAD_FRAME, errorText: `${why}; the connection is closed` });
    session.kick(dchat.client.KickCode.BAD_FRAME_SENT, 'bad frame');
  }

  private onHighWaterMark(conn: TcpConnection, queuedBytes: number): void {
    // Whatever did not reach the client stays pending in storage and is replayed at its next
    // login, so dropping a client that does not read loses nothing.
    log.warn('%s: %d bytes queued > highWaterMarkBytes %d: the client does not read; disconnecting it', conn.name, queuedBytes, this.options.highWaterMarkBytes);
    conn.forceClose();
  }

  private closeIdle(): void {
    const deadline = Date.now() - this.options.idleTimeoutMs;
    for (const session of this.sessions) {
      if (session.lastReceiveMs < deadline) {
        log.info('%s: nothing received for %d ms (idleTimeoutMs); closing', session.conn.name, this.options.idleTimeoutMs);
        session.kick(dchat.client.KickCode.IDLE, `no request or ping for ${this.options.idleTimeoutMs} ms`);
      }
    }
  }
}

function sessionOf(conn: TcpConnection): ClientSession | undefined {
  return conn.context instanceof ClientSession ? conn.context : undefined;
}

/** Failures of a backend that a retry may cure: the client hears UNAVAILABLE, not INTERNAL. */
const retryableCodes: ReadonlySet<string> = new Set([
  'DCHAT_STORE_UNAVAILABLE',
  'DCHAT_RPC_UNAVAILABLE',
  'DCHAT_RPC_DEADLINE_EXCEEDED',
  'DCHAT_RPC_SHUTTING_DOWN',
  'DCHAT_ZK_UNREACHABLE',
  'DCHAT_ZK_SESSION_EXPIRED',
]);

function replyForFailure(session: ClientSession, request: dchat.client.Request, err: unknown): Reply {
  const code = err instanceof DchatError ? err.code : 'unexpected';
  log.error('%s: %s request %d failed (%s): %s', session.conn.name, request.body ?? '?', request.requestId, code, errorMessage(err));
  if (retryableCodes.has(code)) {
    return { status: Status.UNAVAILABLE, errorText: `a backend is unavailable (${code}); try again in a moment` };
  }
  return { status: Status.INTERNAL, errorText: `the server failed to handle the request (${code}); its log has the details` };
}
