// One client connection of a chat node and who is logged in on it. Requests of one connection
// run one at a time, in arrival order (so two chats sent back to back get increasing ids), with
// a bounded queue: past maxQueuedRequests the connection stops being read until it drains.
import { createLogger } from '../base/logger.js';
import { dchat } from '../gen/proto.js';
import type { LengthCodec } from '../net/length-codec.js';
import type { TcpConnection } from '../net/tcp-connection.js';

const log = createLogger('server.session');

export interface Reply {
  status: dchat.Status;
  errorText?: string;
  result?: Omit<dchat.client.IResponse, 'requestId' | 'status' | 'errorText'>;
}

/** The ServerFrame carrying `event`, as ClientSession.pushEncoded sends it. */
export function encodeEventFrame(event: dchat.client.IEvent): Uint8Array {
  return dchat.client.ServerFrame.encode({ event }).finish();
}

export class ClientSession {
  userId = 0;
  userName = '';
  lastReceiveMs = Date.now();
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private closing = false;
  private isDraining = false;
  private drainWaiters: (() => void)[] = [];

  constructor(
    readonly conn: TcpConnection,
    private readonly codec: LengthCodec,
    private readonly maxQueuedRequests: number,
  ) {}

  isLoggedIn(): boolean {
    return this.userId !== 0;
  }

  isOpen(): boolean {
    return !this.closing && this.conn.isConnected();
  }

  /** Runs task after the tasks enqueued before it; pauses reading while too many wait. */
  enqueue(task: () => Promise<void>): void {
    this.queued++;
    if (this.queued >= this.maxQueuedRequests && this.conn.isReading()) this.conn.stopRead();
    this.queue = this.queue.then(task).finally(() => {
      this.queued--;
      if (this.queued < this.maxQueuedRequests / 2 && !this.conn.isReading() && this.isOpen() && !this.isDraining) this.conn.startRead();
    });
  }

  /** Reads no more requests; resolves once those already read are answered (or failed). */
  finishRequestsRead(): Promise<void> {
    this.isDraining = true;
    if (this.conn.isReading()) this.conn.stopRead();
    return this.queue.catch(() => undefined);
  }

  /** Resolves once the connection's output queue is empty (or the connection is gone). */
  whenDrained(): Promise<void> {
    if (!this.isOpen() || this.conn.queuedBytes() === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** The gateway calls this from the write-complete and close callbacks. */
  notifyDrained(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  respond(requestId: number, reply: Reply): void {
    this.send({ response: { requestId, status: reply.status, errorText: reply.errorText ?? '', ...reply.result } });
  }

  push(event: dchat.client.IEvent): void {
    this.send({ event });
  }

  /** Pushes a frame already encoded by encodeEventFrame: one encoding serves every recipient of an event. */
  pushEncoded(frame: Uint8Array): void {
    if (!this.isOpen()) return;
    this.codec.send(this.conn, frame);
  }

  /**
   * Tells the client why, then closes the connection once the notice is flushed; what the client
   * sends from then on is dropped, and a client that does not close its side is reset after the
   * connection's close grace (TcpServerOptions.closeGraceMs).
   */
  kick(code: dchat.client.KickCode, reason: string): void {
    if (!this.isOpen()) return;
    log.info('%s: kicking user %d: %s', this.conn.name, this.userId, reason);
    this.refuse(code, reason);
  }

  /** kick() without its log line: for refusals a flood would repeat, which the caller logs once per source. */
  refuse(code: dchat.client.KickCode, reason: string): void {
    if (!this.isOpen()) return;
    this.push({ kicked: { reason, code } });
    this.closing = true;
    this.conn.closeWithin();
  }

  private send(frame: dchat.client.IServerFrame): void {
    if (!this.isOpen()) return;
    this.codec.send(this.conn, dchat.client.ServerFrame.encode(frame).finish());
  }
}
