// Length-prefixed framing (muduo's protobuf codec framing): a 4-byte big-endian body length,
// then the body. onMessage hands out every whole frame in the buffer as a view, leaves a
// partial frame where it is until the rest arrives, and rejects an oversized length as soon
// as the 4 length bytes are in, before any of the body is buffered.
import type { DchatError } from '../base/dchat-error.js';
import { createLogger } from '../base/logger.js';
import type { MessageCallback } from './callbacks.js';
import { NetError } from './net-error.js';
import type { TcpConnection } from './tcp-connection.js';

const log = createLogger('net.length-codec');

export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
export const HEADER_BYTES = 4;

/** `frame` is a view valid only during the call: copy it (frame.slice()) to keep it. */
export type FrameCallback = (conn: TcpConnection, frame: Uint8Array, receiveTimeMs: number) => void;
export type CodecErrorCallback = (conn: TcpConnection, error: DchatError) => void;

/** A per-connection limit below maxFrameBytes, named as the option that sets it (for the error text). */
export interface FrameLimit {
  maxBytes: number;
  name: string;
}

export interface LengthCodecOptions {
  onFrame: FrameCallback;
  /** A tighter limit for some connections (a peer not yet authenticated); undefined: maxFrameBytes. */
  frameLimitOf?: (conn: TcpConnection) => FrameLimit | undefined;
  /** Default: log the error and conn.forceClose() (the stream cannot be resynchronised). */
  onError?: CodecErrorCallback;
  maxFrameBytes?: number;
}

// TcpConnection.send() copies before it returns, so one header scratch serves every send.
const headerScratch = new Uint8Array(HEADER_BYTES);

export class LengthCodec {
  readonly maxFrameBytes: number;
  private readonly onFrame: FrameCallback;
  private readonly onError: CodecErrorCallback;
  private readonly frameLimitOf: ((conn: TcpConnection) => FrameLimit | undefined) | undefined;

  constructor(options: LengthCodecOptions) {
    this.onFrame = options.onFrame;
    this.frameLimitOf = options.frameLimitOf;
    this.onError = options.onError ?? defaultOnError;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Plug into server.setMessageCallback(codec.onMessage). Stops early when the frame callback calls conn.stopRead(). */
  readonly onMessage: MessageCallback = (conn, buffer, receiveTimeMs) => {
    while (conn.isReading() && buffer.readableBytes() >= HEADER_BYTES) {
      const length = buffer.peekUInt32BE();
      const limit = this.limitOf(conn);
      if (length > limit.maxBytes) {
        buffer.retrieveAll();
        this.onError(conn, this.frameTooLarge(length, limit));
        return;
      }
      if (buffer.readableBytes() < HEADER_BYTES + length) return;
      buffer.retrieve(HEADER_BYTES);
      this.onFrame(conn, buffer.retrieveAsView(length), receiveTimeMs);
    }
  };

  send(conn: TcpConnection, body: Uint8Array): void {
    writeUInt32BE(headerScratch, body.length);
    conn.send(headerScratch);
    conn.send(body);
  }

  /** Length and body in one new array. */
  static encode(body: Uint8Array): Uint8Array {
    const out = new Uint8Array(HEADER_BYTES + body.length);
    writeUInt32BE(out, body.length);
    out.set(body, HEADER_BYTES);
    return out;
  }

  private limitOf(conn: TcpConnection): FrameLimit {
    const tighter = this.frameLimitOf?.(conn);
    return tighter !== undefined && tighter.maxBytes < this.maxFrameBytes ? tighter : { maxBytes: this.maxFrameBytes, name: 'maxFrameBytes' };
  }

  private frameTooLarge(length: number, limit: FrameLimit): NetError {
    return new NetError(
      'DCHAT_NET_FRAME_TOO_LARGE',
      `frame length ${length} > ${limit.name} ${limit.maxBytes}; raise ${limit.name} or check that the peer speaks the same length-prefixed protocol`,
    );
  }
}

function writeUInt32BE(target: Uint8Array, value: number): void {
  target[0] = value >>> 24;
  target[1] = value >>> 16;
  target[2] = value >>> 8;
  target[3] = value;
}

function defaultOnError(conn: TcpConnection, error: DchatError): void {
  log.warn('%s: %s: closing', conn.name, error.message);
  conn.forceClose();
}
