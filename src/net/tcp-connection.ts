// One established TCP connection (muduo's TcpConnection): input accumulates in a Buffer
// handed to the message callback; output is copied into a queue and written once per
// event-loop turn, so a burst of small send() calls becomes one write system call.
//
// Output path: send() copies into the shared output slab (output-slab.ts); the bytes one
// connection sent this turn are usually one contiguous segment of it. On process.nextTick the
// segments are handed to the socket in one write() (several: corked into one writev). When
// write() returns false the socket's own buffer is full: further output stays in our queue
// until 'drain'.
//
// States: connected -> disconnecting (shutdown() or forceClose() called, peer FIN) -> disconnected ('close').
// With a close grace set (setCloseGraceMs), disconnecting lasts at most that long: a peer that
// never closes its side is reset then, so no socket stays half-closed for ever.
//
// The file is over 400 lines on purpose: input, output and the close states share the socket's
// events and one state, as in muduo's single TcpConnection class; split, each part would need
// the others' private fields.
import type { Socket } from 'node:net';
import { Buffer as NodeBuffer } from 'node:buffer';
import { createLogger } from '../base/logger.js';
import { Buffer } from './buffer.js';
import { LARGE_SEND_BYTES, outputSlab } from './output-slab.js';
import type {
  CloseCallback,
  ConnectionCallback,
  HighWaterMarkCallback,
  MessageCallback,
  WriteCompleteCallback,
} from './callbacks.js';
import { systemErrorCode } from './net-error.js';
import { resetSocket } from './socket-reset.js';

const log = createLogger('net.tcp-connection');

/** With no high-water-mark callback set, a connection whose queue reaches this is closed. */
export const DEFAULT_HIGH_WATER_MARK_BYTES = 64 * 1024 * 1024;
/** Whatever the callback does, a connection whose queue reaches this is closed. */
export const DEFAULT_MAX_QUEUED_BYTES = 256 * 1024 * 1024;
type State = 'connected' | 'disconnecting' | 'disconnected';

export class TcpConnection {
  readonly peerAddress: string;
  readonly peerPort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** The application's per-connection state. */
  context: unknown = undefined;

  private state: State = 'connected';
  private reading = true;
  // Starts empty: a chunk that arrives while nothing is buffered is handed on as it is, so the
  // buffer only grows for the rare frame split across chunks, and an idle connection of a node
  // holding 15k of them costs no 4 KiB input block.
  private readonly input = new Buffer(0);

  /** Output not yet handed to the socket: closed segments, then the open one (openBytes[openStart, openEnd)). */
  private readonly pendingSegments: Uint8Array[] = [];
  private openBytes: NodeBuffer | undefined;
  private openStart = 0;
  private openEnd = 0;
  private pendingBytes = 0;
  private isFlushScheduled = false;
  private isSocketFull = false;

  private connectionCallback: ConnectionCallback = () => {};
  private messageCallback: MessageCallback = (_conn, buffer) => buffer.retrieveAll();
  private writeCompleteCallback: WriteCompleteCallback | undefined;
  private highWaterMarkCallback: HighWaterMarkCallback | undefined;
  private highWaterMarkBytes = DEFAULT_HIGH_WATER_MARK_BYTES;
  private isAboveHighWaterMark = false;
  private maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES;
  private closeCallback: CloseCallback = () => {};
  private closeGraceMs = 0;
  private closeGraceTimer: NodeJS.Timeout | undefined;
  /** Set by closeWithin(): input is read (to see the peer's FIN) but dropped, not buffered. */
  private isDiscardingInput = false;
  /** When the bytes now held in `input` (a frame not yet complete) started to be held. */
  private heldSinceMs: number | undefined;

  /** Built by TcpServer and TcpClient around a connected socket; call connectEstablished() next. */
  constructor(
    readonly name: string,
    private readonly socket: Socket,
  ) {
    this.peerAddress = socket.remoteAddress ?? '';
    this.peerPort = socket.remotePort ?? 0;
    this.localAddress = socket.localAddress ?? '';
    this.localPort = socket.localPort ?? 0;
  }

  isConnected(): boolean {
    return this.state === 'connected';
  }

  isReading(): boolean {
    return this.reading;
  }

  /**
   * Queues `data` for the peer. The bytes are copied before send() returns, so the caller may
   * reuse its memory (a frame view, a scratch header) at once. Writes of one event-loop turn
   * go out together. After shutdown() or close, data is dropped (logged at debug).
   */
  send(data: Uint8Array): void {
    if (this.state !== 'connected') {
      log.debug('%s: dropped %d bytes sent after close', this.name, data.length);
      return;
    }
    if (data.length === 0) return;
    this.copyOut(data);
    this.pendingBytes += data.length;
    this.checkQueueLimits();
    if (!this.isFlushScheduled) {
      this.isFlushScheduled = true;
      process.nextTick(this.flushOnTick);
    }
  }

  /** Bytes accepted by send() not yet handed to the kernel (our queue plus the socket's). */
  queuedBytes(): number {
    return this.pendingBytes + this.socket.writableLength;
  }

  /** Bytes read from the socket so far. */
  bytesReceived(): number {
    return this.socket.bytesRead;
  }

  /** Bytes the kernel accepted so far. */
  bytesSent(): number {
    return this.socket.bytesWritten - this.socket.writableLength;
  }

  setConnectionCallback(cb: ConnectionCallback): void {
    this.connectionCallback = cb;
  }

  setMessageCallback(cb: MessageCallback): void {
    this.messageCallback = cb;
  }

  setWriteCompleteCallback(cb: WriteCompleteCallback | undefined): void {
    this.writeCompleteCallback = cb;
  }

  setHighWaterMarkCallback(cb: HighWaterMarkCallback, highWaterMarkBytes: number): void {
    this.highWaterMarkCallback = cb;
    this.highWaterMarkBytes = highWaterMarkBytes;
  }

  /** The hard limit of the output queue: reaching it closes the connection (default 256 MiB). */
  setMaxQueuedBytes(maxQueuedBytes: number): void {
    this.maxQueuedBytes = maxQueuedBytes;
  }

  /**
   * From now on, a connection that starts to close (shutdown(), closeWithin(), or the peer's
   * FIN) is reset if it has not closed within `graceMs`: a peer that never closes its side, or
   * never reads the last bytes, would otherwise hold the socket for ever. 0: wait for the peer.
   */
  setCloseGraceMs(graceMs: number): void {
    this.closeGraceMs = graceMs;
  }

  /** Bytes received and held for a frame the peer has not finished sending (0 when none). */
  heldInputBytes(): number {
    return this.heldSinceMs === undefined ? 0 : this.input.readableBytes();
  }

  /** Since when heldInputBytes() have been waiting for the rest of their frame; undefined when none. */
  heldInputSinceMs(): number | undefined {
    return this.heldSinceMs;
  }

  /** Called once by the owner after the close was reported, so that it forgets the connection. */
  setCloseCallback(cb: CloseCallback): void {
    this.closeCallback = cb;
  }

  /** Stops message callbacks until startRead(); the kernel then stops the peer once its window fills. */
  stopRead(): void {
    if (!this.reading) return;
    this.reading = false;
    this.socket.pause();
  }

  /** Resumes reading; bytes that arrived before stopRead() took effect are delivered first. */
  startRead(): void {
    if (this.reading || this.state === 'disconnected') return;
    this.reading = true;
    this.socket.resume();
    if (this.input.readableBytes() > 0) process.nextTick(this.deliverInput);
  }

  setTcpNoDelay(on: boolean): void {
    this.socket.setNoDelay(on);
  }

  /** Half-closes: the queued output is written, then FIN. Reading goes on until the peer closes. */
  shutdown(): void {
    if (this.state !== 'connected') return;
    this.state = 'disconnecting';
    log.debug('%s: shutdown with %d bytes queued', this.name, this.queuedBytes());
    if (this.pendingBytes > 0) this.writePending();
    this.socket.end();
    this.armCloseGrace();
  }

  /**
   * Ends the conversation: the queued output (a goodbye) is written, then FIN; whatever the peer
   * sends from now on is dropped; after `graceMs` (default: the close grace set) a connection
   * still open is reset.
   */
  closeWithin(graceMs: number = this.closeGraceMs): void {
    this.isDiscardingInput = true;
    this.dropInput();
    if (graceMs > 0 && (this.closeGraceMs === 0 || graceMs < this.closeGraceMs)) this.closeGraceMs = graceMs;
    if (this.state === 'connected') this.shutdown();
    else this.armCloseGrace();
  }

  /** Closes now; queued output is dropped. */
  forceClose(): void {
    if (this.state === 'disconnected') return;
    this.state = 'disconnecting';
    this.reading = false;
    this.dropPending();
    this.dropInput();
    this.socket.destroy();
  }

  /** Starts delivering events and reports the connection; called once by the owner. */
  connectEstablished(): void {
    const socket = this.socket;
    socket.on('data', this.onData);
    socket.on('end', this.onPeerEnd);
    socket.on('drain', this.onDrain);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    log.debug('%s: connected', this.name);
    this.connectionCallback(this);
  }

  private readonly onData = (chunk: NodeBuffer): void => {
    if (this.isDiscardingInput) return;
    this.input.appendOwned(chunk);
    if (this.reading) this.deliverInput();
  };

  /** A message callback that throws costs its connection, not the process: the other connections go on. */
  private readonly deliverInput = (): void => {
    const before = this.input.readableBytes();
    if (!this.reading || before === 0) return;
    const nowMs = Date.now();
    try {
      this.messageCallback(this, this.input, nowMs);
    } catch (err) {
      log.error('%s: the message callback threw, closing the connection: %s', this.name, err instanceof Error ? (err.stack ?? err.message) : String(err));
      this.forceClose();
      return;
    }
    this.noteHeldInput(before, nowMs);
  };

  /**
   * Bytes the callback left behind while still reading are the start of a frame whose rest has
   * not arrived. Its clock starts when it became the oldest unconsumed bytes, so a peer streaming
   * frames that straddle chunks is not mistaken for one that stalls mid-frame.
   */
  private noteHeldInput(before: number, nowMs: number): void {
    const after = this.input.readableBytes();
    if (after === 0 || !this.reading) this.heldSinceMs = undefined;
    else if (after < before || this.heldSinceMs === undefined) this.heldSinceMs = nowMs;
  }

  private dropInput(): void {
    this.input.retrieveAll();
    this.heldSinceMs = undefined;
  }

  private armCloseGrace(): void {
    if (this.closeGraceMs <= 0 || this.closeGraceTimer !== undefined || this.state === 'disconnected') return;
    this.closeGraceTimer = setTimeout(this.onCloseGraceOver, this.closeGraceMs);
    this.closeGraceTimer.unref();
  }

  /** The peer neither closed nor read the rest in time: a reset frees both ends now, no FIN-WAIT-2 left behind. */
  private readonly onCloseGraceOver = (): void => {
    if (this.state === 'disconnected') return;
    log.debug('%s: still open %d ms after the close began: resetting', this.name, this.closeGraceMs);
    this.reading = false;
    this.dropPending();
    this.dropInput();
    resetSocket(this.socket);
  };

  /** The peer sent FIN: like muduo, a read of 0 ends the connection, but our queued output still goes out first. */
  private readonly onPeerEnd = (): void => {
    log.debug('%s: peer closed its side', this.name);
    this.shutdown();
  };

  private readonly onError = (err: Error): void => {
    const code = systemErrorCode(err);
    if (code === 'ECONNRESET' || code === 'EPIPE') log.debug('%s: %s', this.name, err.message);
    else log.warn('%s: socket error: %s', this.name, err.message.split('\n')[0]);
    // A TLS socket that failed (a record that does not decrypt) does not always close its TCP
    // connection by itself; no socket is of use after an error.
    this.forceClose();
  };

  private readonly onClose = (): void => {
    this.state = 'disconnected';
    this.reading = false;
    clearTimeout(this.closeGraceTimer);
    this.dropPending();
    this.dropInput();
    log.debug('%s: disconnected', this.name);
    try {
      this.connectionCallback(this);
    } finally {
      this.closeCallback(this);
    }
  };

  private readonly flushOnTick = (): void => {
    this.isFlushScheduled = false;
    if (this.state !== 'disconnected' && !this.isSocketFull && this.pendingBytes > 0) this.writePending();
  };

  private readonly onDrain = (): void => {
    this.isSocketFull = false;
    if (this.pendingBytes > 0 && this.state !== 'disconnected') this.writePending();
  };

  /** Runs when a write reached the kernel: re-arms the high-water mark, reports an empty queue. */
  private readonly onWritten = (err?: Error | null): void => {
    if (err) return;
    const queued = this.queuedBytes();
    if (queued < this.highWaterMarkBytes) this.isAboveHighWaterMark = false;
    if (queued !== 0 || this.isFlushScheduled) return;
    this.writeCompleteCallback?.(this);
  };

  private copyOut(data: Uint8Array): void {
    const n = data.length;
    if (n > LARGE_SEND_BYTES) {
      this.closeOpenSegment();
      const copy = NodeBuffer.allocUnsafeSlow(n);
      copy.set(data);
      this.pendingSegments.push(copy);
      return;
    }
    const slab = outputSlab.reserve(n);
    const at = outputSlab.used;
    if (this.openBytes !== slab || this.openEnd !== at) {
      this.closeOpenSegment();
      this.openBytes = slab;
      this.openStart = at;
    }
    slab.set(data, at);
    outputSlab.used = at + n;
    this.openEnd = at + n;
  }

  private closeOpenSegment(): void {
    if (this.openBytes !== undefined && this.openEnd > this.openStart) {
      this.pendingSegments.push(this.openBytes.subarray(this.openStart, this.openEnd));
    }
    this.openBytes = undefined;
  }

  private writePending(): void {
    this.closeOpenSegment();
    const segments = this.pendingSegments;
    // Completion is watched only when someone needs it: node then skips a callback per write.
    const onWritten = this.writeCompleteCallback !== undefined || this.isAboveHighWaterMark ? this.onWritten : undefined;
    this.pendingBytes = 0;
    let isAccepted = true;
    if (segments.length === 1) {
      isAccepted = this.socket.write(segments[0]!, onWritten);
    } else {
      this.socket.cork();
      const last = segments.length - 1;
      for (let i = 0; i < last; i++) isAccepted = this.socket.write(segments[i]!) && isAccepted;
      isAccepted = this.socket.write(segments[last]!, onWritten) && isAccepted;
      this.socket.uncork();
    }
    segments.length = 0;
    if (!isAccepted) this.isSocketFull = true;
  }

  private dropPending(): void {
    this.pendingSegments.length = 0;
    this.openBytes = undefined;
    this.pendingBytes = 0;
  }

  private checkQueueLimits(): void {
    const queued = this.queuedBytes();
    if (queued >= this.maxQueuedBytes) {
      log.warn('%s: %d bytes queued >= maxQueuedBytes %d: the peer does not read; closing', this.name, queued, this.maxQueuedBytes);
      this.forceClose();
      return;
    }
    if (this.isAboveHighWaterMark || queued < this.highWaterMarkBytes) return;
    this.isAboveHighWaterMark = true;
    const cb = this.highWaterMarkCallback;
    if (cb) {
      process.nextTick(cb, this, queued);
      return;
    }
    log.warn('%s: %d bytes queued >= high-water mark %d and no high-water-mark callback set: closing', this.name, queued, this.highWaterMarkBytes);
    this.forceClose();
  }
}
