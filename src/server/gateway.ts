// The client gateway of a chat node: TcpServer + LengthCodec + one ClientSession per
// connection. It turns frames into Requests, runs them through the handlers, and writes one
// Response per Request. A frame that does not decode, or that is too large, gets a BAD_FRAME
// response and the connection is closed; the node itself never goes down for a client's bytes.
//
// Nor does it run out of descriptors or memory for them: connections are capped per node and,
// before login, per source address; a connection must log in within a deadline; a part-sent
// frame is held for a limited time (and before login only a few KiB of it). Every kick ends the
// login at once and the connection within closeGraceMs, whether or not the client closes.
import { DchatError, errorMessage } from '../base/dchat-error.js';
import { metricsNow } from '../base/metrics.js';
import { createLogger } from '../base/logger.js';
import { ThrottledWarning } from '../base/throttled-warning.js';
import { dchat } from '../gen/proto.js';
import { defaultMaxConnections } from '../net/descriptor-limit.js';
import { LengthCodec } from '../net/length-codec.js';
import { RefusalLog } from '../net/refusal-log.js';
import type { TcpConnection } from '../net/tcp-connection.js';
import { TcpServer } from '../net/tcp-server.js';
import { AnonymousConnections } from './anonymous-connections.js';
import { countRequest } from './chat-metrics.js';
import { ClientSession, type Reply } from './client-session.js';
import { endLogin, handleRequest, type HandlerContext } from './request-handlers.js';

const log = createLogger('server.gateway');
/** DCHAT_TRACE=server.gateway-load: a line whenever the gauges of stats() change, at most once per sweep. */
const loadTrace = createLogger('server.gateway-load');
const { Status } = dchat;
const { KickCode } = dchat.client;
/** The housekeeping sweep (idle, login deadline, part-sent frames) runs at least this far apart. */
const MIN_SWEEP_INTERVAL_MS = 100;

export interface GatewayOptions {
  host: string;
  port: number;
  maxFrameBytes: number;
  /** A connection that sends nothing (not even a ping) for this long is closed. */
  idleTimeoutMs: number;
  /** Output queued for one client beyond this means it does not read: it is disconnected. */
  highWaterMarkBytes: number;
  maxQueuedRequests: number;
  /** Connections the node holds at most; more are reset as they are accepted. */
  maxConnections: number;
  /** Connections not logged in, per source address; one more is told TOO_MANY_CONNECTIONS and closed. */
  maxAnonymousPerAddress: number;
  /** A connection not logged in this long after it opened (or logged out, or registered a user) is kicked with LOGIN_TIMEOUT. */
  loginDeadlineMs: number;
  /** Largest frame accepted from a connection that is not logged in (register, login and ping are small). */
  maxLoginFrameBytes: number;
  /** A frame begun but still incomplete after this long is dropped, and its connection kicked. */
  partialFrameTimeoutMs: number;
  /** After a kick, how long a client has to close its side before the node resets the connection. */
  closeGraceMs: number;
  /** At stop, how long the requests already read may take to be answered before clients are told SHUTTING_DOWN. */
  drainTimeoutMs: number;
  /** At stop, how many clients a second are told SHUTTING_DOWN (0: all at once). */
  drainRatePerS: number;
}

export const defaultGatewayOptions: Omit<GatewayOptions, 'host' | 'port'> = {
  maxFrameBytes: 1024 * 1024,
  idleTimeoutMs: 90_000,
  highWaterMarkBytes: 8 * 1024 * 1024,
  maxQueuedRequests: 64,
  maxConnections: defaultMaxConnections(),
  // Behind nginx every client shares nginx's address: this must cover the clients of a dead node
  // reconnecting through it at once.
  maxAnonymousPerAddress: 1000,
  loginDeadlineMs: 10_000,
  maxLoginFrameBytes: 4096,
  partialFrameTimeoutMs: 15_000,
  closeGraceMs: 2000,
  drainTimeoutMs: 5000,
  // What the other nodes of a small cluster take in logins again (resumes) a second while they
  // go on serving their own clients: a node of 750 clients is gone in 7.5 s, and none of them
  // waits in a queue of the others' resumes.
  drainRatePerS: 100,
};

/** A paced drain sends a batch of clients away this often (at rates of 10 a second and more). */
const DRAIN_TICK_MS = 100;

export class Gateway {
  private readonly server: TcpServer;
  private readonly codec: LengthCodec;
  private readonly sessions = new Set<ClientSession>();
  private readonly handedOverIds = new Set<number>();
  private lastSentAwayMs = 0;
  private readonly anonymous: AnonymousConnections;
  private readonly crowdedRefusals = new RefusalLog(log);
  private readonly loginTimeouts = new RefusalLog(log, undefined, 'dropped a connection');
  private readonly anonymousDrops = new RefusalLog(log, undefined, 'dropped a connection');
  private readonly oneWayRefusals = new RefusalLog(log, undefined, 'refused a one-way request');
  private sweepTimer: NodeJS.Timeout | undefined;
  private lastLoadLine = '';

  constructor(
    private readonly options: GatewayOptions,
    private readonly ctx: HandlerContext,
  ) {
    this.server = new TcpServer({ name: 'chat-gateway', host: options.host, port: options.port, maxConnections: options.maxConnections, closeGraceMs: options.closeGraceMs });
    this.anonymous = new AnonymousConnections(options.maxAnonymousPerAddress);
    this.codec = new LengthCodec({
      maxFrameBytes: options.maxFrameBytes,
      frameLimitOf: (conn) => (sessionOf(conn)?.isLoggedIn() === false ? { maxBytes: options.maxLoginFrameBytes, name: 'maxLoginFrameBytes (before login)' } : undefined),
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
    const { idleTimeoutMs, loginDeadlineMs, partialFrameTimeoutMs } = this.options;
    const sweepMs = Math.max(MIN_SWEEP_INTERVAL_MS, Math.floor(Math.min(idleTimeoutMs, loginDeadlineMs, partialFrameTimeoutMs) / 4));
    this.sweepTimer = setInterval(() => this.sweep(), sweepMs);
    this.sweepTimer.unref();
    return address;
  }

  connectionCount(): number {
    return this.sessions.size;
  }

  /** Gauges: open connections, those not logged in, and the bytes held for part-sent frames. */
  stats(): { connections: number; anonymous: number; heldInputBytes: number } {
    let heldInputBytes = 0;
    for (const session of this.sessions) heldInputBytes += session.conn.heldInputBytes();
    return { connections: this.sessions.size, anonymous: this.anonymous.count(), heldInputBytes };
  }

  /**
   * Stops accepting; then, drainRatePerS clients a second, answers the requests already read from
   * each (reading nothing more from it) and tells it the node is going away; then waits for the
   * connections to close. A client told SHUTTING_DOWN
   * with a send still unanswered could not know whether it was stored; one whose request was
   * never read knows it was not, and sends it again on its next connection.
   */
  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.server.stopAccepting();
    await this.sendAllAway();
    await this.server.stop(this.options.closeGraceMs);
  }

  /**
   * How long stop() takes at most with the connections of now: the paced drain, each batch's
   * requests, and the close grace. `dchat server` gives up waiting after this (and some more).
   */
  stopBudgetMs(): number {
    const { drainRatePerS, drainTimeoutMs, closeGraceMs } = this.options;
    const spreadMs = drainRatePerS > 0 ? Math.ceil((this.sessions.size * 1000) / drainRatePerS) : 0;
    return spreadMs + DRAIN_TICK_MS + drainTimeoutMs + 2 * closeGraceMs;
  }

  /**
   * Sends every client away, drainRatePerS a second: the other nodes take in the logins of a
   * stopping node's clients at the pace they can serve them, so that no client waits behind the
   * resumes of hundreds of others (all at once, the last of 750 waited 5 s on two loaded cores;
   * docs/benchmarks.md). Those not sent away yet are served as before. Those not logged in go
   * first: they cost nobody a resume.
   */
  private async sendAllAway(): Promise<void> {
    const rate = this.options.drainRatePerS;
    const order = [...this.sessions].sort((a, b) => Number(a.isLoggedIn()) - Number(b.isLoggedIn()));
    // A batch every DRAIN_TICK_MS, or one client at a time less often when the rate is low.
    const perTick = rate > 0 ? Math.max(1, Math.round((rate * DRAIN_TICK_MS) / 1000)) : Math.max(1, order.length);
    const tickMs = rate > 0 ? (perTick * 1000) / rate : 0;
    for (let i = 0; i < order.length; i += perTick) {
      const tickEndMs = Date.now() + tickMs;
      const batch = order.slice(i, i + perTick).filter((session) => this.sessions.has(session));
      await this.finishRequestsRead(batch, this.options.drainTimeoutMs);
      for (const session of batch) this.sendAway(session);
      if (i + perTick < order.length) await new Promise((resolve) => setTimeout(resolve, Math.max(0, tickEndMs - Date.now())));
    }
  }

  /** The users whose logins the drain handed over, and when it sent the last of them away. */
  handedOver(): { userIds: number[]; lastAtMs: number } {
    return { userIds: [...this.handedOverIds], lastAtMs: this.lastSentAwayMs };
  }

  /**
   * Tells a client the node is stopping. Its login is handed over, not ended: the client is
   * logged in on another node within a second or so, so telling its friends "offline" and then
   * "online", and writing its state twice, would be a storm of work for nothing while every
   * client of the node moves at once. The node only forgets the session; the user's presence
   * names this node until the user logs in elsewhere (which takes it over), or until the node,
   * once its drain is over, ends the logins nobody took over (ChatNode.endLoginsLeftBehind).
   */
  private sendAway(session: ClientSession): void {
    if (session.isLoggedIn()) this.handedOverIds.add(session.userId);
    this.lastSentAwayMs = Date.now();
    const reason = 'the server is shutting down; reconnect to continue';
    if (session.isLoggedIn()) session.kick(KickCode.SHUTTING_DOWN, reason);
    else session.refuse(KickCode.SHUTTING_DOWN, reason);
    this.anonymous.track(session);
    session.enqueue(() => {
      if (session.userId !== 0) this.ctx.sessions.unbind(session);
      session.userId = 0;
      session.userName = '';
      return Promise.resolve();
    });
  }

  private async finishRequestsRead(sessions: readonly ClientSession[], timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(sessions.map((session) => session.finishRequestsRead())), timeout]);
    clearTimeout(timer);
  }

  private onConnection(conn: TcpConnection): void {
    if (conn.isConnected()) {
      const session = new ClientSession(conn, this.codec, this.options.maxQueuedRequests);
      conn.context = session;
      this.sessions.add(session);
      log.debug('%s connected', conn.name);
      if (!this.anonymous.admit(session)) this.refuseCrowded(session);
      return;
    }
    const session = sessionOf(conn);
    if (!session) return;
    this.sessions.delete(session);
    this.anonymous.track(session);
    session.notifyDrained();
    log.debug('%s closed (user %d)', conn.name, session.userId);
    session.enqueue(() => this.endLoginOf(session));
  }

  private refuseCrowded(session: ClientSession): void {
    const address = session.conn.peerAddress;
    const max = this.options.maxAnonymousPerAddress;
    this.crowdedRefusals.refused(address, `${this.anonymous.countOf(address)} connections from there are not logged in, maxAnonymousPerAddress ${max}`);
    session.refuse(KickCode.TOO_MANY_CONNECTIONS, `${address} has ${max} connections to this node that are not logged in (maxAnonymousPerAddress); log in on one of them or close some, then connect again`);
  }

  /**
   * Kicks a session and ends its login at once: the user's friends see them offline now, not
   * whenever the client gets round to closing (the connection itself goes within closeGraceMs).
   */
  private kick(session: ClientSession, code: dchat.client.KickCode, reason: string): void {
    if (session.isLoggedIn()) session.kick(code, reason);
    else session.refuse(code, reason); // logged by the caller, once per source
    this.anonymous.track(session);
    session.enqueue(() => this.endLoginOf(session));
  }

  /**
   * Says why a connection is dropped: a line per connection when a user is logged in on it (an
   * account stands behind it), once per source and minute when not, as a flood would repeat it.
   */
  private logDrop(session: ClientSession, why: string, severity: 'info' | 'warn' = 'warn'): void {
    if (session.isLoggedIn()) log[severity]('%s: %s', session.conn.name, why);
    else this.anonymousDrops.refused(session.conn.peerAddress, why);
  }

  private async endLoginOf(session: ClientSession): Promise<void> {
    try {
      await endLogin(this.ctx, session);
    } catch (err) {
      log.warn('%s: logout after close failed: %s', session.conn.name, errorMessage(err));
    }
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
    const arrivedMs = metricsNow();
    session.enqueue(async () => {
      const reply = await this.run(session, request);
      countRequest(request.body, reply, arrivedMs);
      if (isOneWay(request)) this.noteOneWayRefusal(session, request, reply);
      else session.respond(request.requestId, reply);
      this.anonymous.track(session);
      // A connection that registers users (a sign-up form, a load generator) is doing what comes before a login.
      if (request.body === 'register' && reply.status === Status.OK) this.anonymous.restartClock(session);
      // One told to wait before its next login attempt gets its login deadline after the wait: it
      // is doing what it was told (the wait is bounded by the admission rules, docs/rules.md).
      const waitMs = reply.result?.retryAfterMs ?? 0;
      if (waitMs > 0 && reply.status === Status.RESOURCE_EXHAUSTED) this.anonymous.restartClock(session, Math.min(waitMs, maxLoginWaitMs));
    });
  }

  /**
   * A one-way request has nobody to hear its refusal: the line says it here, once per source and
   * minute. What it refused costs nothing lasting (an unremoved message is replayed at the next login).
   */
  private noteOneWayRefusal(session: ClientSession, request: dchat.client.Request, reply: Reply): void {
    if (reply.status === Status.OK) return;
    this.oneWayRefusals.refused(session.conn.peerAddress, `${request.body ?? '?'} without request_id: ${Status[reply.status]}: ${reply.errorText ?? ''}`);
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
    if (!session) {
      log.warn('%s: closing after a bad frame: %s', conn.name, why);
      return conn.forceClose();
    }
    this.logDrop(session, `closing after a bad frame: ${why}`);
    session.respond(0, { status: Status.BAD_FRAME, errorText: `${why}; the connection is closed` });
    this.kick(session, KickCode.BAD_FRAME_SENT, 'bad frame');
  }

  private onHighWaterMark(conn: TcpConnection, queuedBytes: number): void {
    // Whatever did not reach the client stays pending in storage and is replayed at its next
    // login, so dropping a client that does not read loses nothing.
    log.warn('%s: %d bytes queued > highWaterMarkBytes %d: the client does not read; disconnecting it', conn.name, queuedBytes, this.options.highWaterMarkBytes);
    conn.forceClose();
  }

  /** Kicks the connections that broke a time limit; each is kicked once, then left to close. */
  private sweep(): void {
    const nowMs = Date.now();
    this.kickLateLogins(nowMs);
    const { idleTimeoutMs, partialFrameTimeoutMs } = this.options;
    for (const session of this.sessions) {
      if (!session.isOpen()) continue;
      const conn = session.conn;
      const heldSinceMs = conn.heldInputSinceMs();
      if (heldSinceMs !== undefined && nowMs - heldSinceMs > partialFrameTimeoutMs) {
        this.logDrop(session, `dropped a part-sent frame: ${conn.heldInputBytes()} bytes held for ${nowMs - heldSinceMs} ms > partialFrameTimeoutMs ${partialFrameTimeoutMs}`);
        this.kick(session, KickCode.BAD_FRAME_SENT, `a frame begun ${nowMs - heldSinceMs} ms ago is still incomplete (partialFrameTimeoutMs ${partialFrameTimeoutMs})`);
      } else if (nowMs - session.lastReceiveMs > idleTimeoutMs) {
        this.logDrop(session, `nothing received for ${idleTimeoutMs} ms (idleTimeoutMs); closing`, 'info');
        this.kick(session, KickCode.IDLE, `no request or ping for ${idleTimeoutMs} ms`);
      }
    }
    if (loadTrace.isTracing) this.traceLoad();
  }

  private traceLoad(): void {
    const { connections, anonymous, heldInputBytes } = this.stats();
    const line = `${connections} connections, ${anonymous} not logged in, ${heldInputBytes} bytes held for part-sent frames`;
    if (line === this.lastLoadLine) return;
    this.lastLoadLine = line;
    loadTrace.debug('%s', line);
  }

  private kickLateLogins(nowMs: number): void {
    const deadlineMs = this.options.loginDeadlineMs;
    const late: ClientSession[] = [];
    for (const [session, sinceMs] of this.anonymous.entries()) if (nowMs - sinceMs > deadlineMs) late.push(session);
    for (const session of late) {
      this.loginTimeouts.refused(session.conn.peerAddress, `not logged in within loginDeadlineMs ${deadlineMs}`);
      session.refuse(KickCode.LOGIN_TIMEOUT, `not logged in within ${deadlineMs} ms of connecting (loginDeadlineMs); connect again and log in`);
      this.anonymous.track(session);
    }
  }
}

/**
 * An ack with request_id 0 gets no Response (docs/protocol.md): a recipient's client then costs
 * the node no write for its acks. An ack with any other id is answered, as old clients expect.
 */
function isOneWay(request: dchat.client.Request): boolean {
  return request.requestId === 0 && request.body === 'ack';
}

/** The longest retry_after_ms that postpones a connection's login deadline. */
const maxLoginWaitMs = 30_000;

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

/** A full disk fails every request that writes: one line per window says so, not one a request. */
const storeFullWarning = new ThrottledWarning(log);

function replyForFailure(session: ClientSession, request: dchat.client.Request, err: unknown): Reply {
  const code = err instanceof DchatError ? err.code : 'unexpected';
  if (code === 'DCHAT_STORE_FULL') {
    storeFullWarning.warn(code, `requests that store something fail (${request.body ?? '?'} of ${session.conn.name} the latest): ${errorMessage(err)}`);
    // The client sends a chat again after UNAVAILABLE (message-resend.ts), so a disk freed within
    // seconds loses the user nothing; after that they are told to try again themselves.
    return { status: Status.UNAVAILABLE, errorText: 'the server cannot store anything now: its disk is full, and nothing of this request was kept; try again later' };
  }
  log.error('%s: %s request %d failed (%s): %s', session.conn.name, request.body ?? '?', request.requestId, code, errorMessage(err));
  if (retryableCodes.has(code)) {
    return { status: Status.UNAVAILABLE, errorText: `a backend is unavailable (${code}); try again in a moment` };
  }
  return { status: Status.INTERNAL, errorText: `the server failed to handle the request (${code}); its log has the details` };
}
