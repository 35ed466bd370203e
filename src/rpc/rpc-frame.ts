// The dchat RPC frame (DESIGN.md "RPC wire format"):
//
//   +-------------+--------------+-----------+----------------+
//   | frameLength | headerLength | RpcHeader | argument bytes |
//   |  4 B, BE    |   4 B, BE    |           | args_size      |
//   +-------------+--------------+-----------+----------------+
//                 |<------------- frameLength ---------------->|
//
// The outer length is the net layer's length codec framing, so the inner part is what
// `decodeFrameBody` sees. args_size must match the bytes present: a frame whose parts disagree
// is malformed, and the connection it came on is closed (a peer that miscounts once cannot be
// trusted to find the next frame boundary).
import type { StatusOr } from '../base/dchat-error.js';
import { RpcError } from './rpc-error.js';
import { headerBytes, readHeader, writeHeader, type RpcHeader, type RpcHeaderFields } from './rpc-header-codec.js';

export type { RpcHeader, RpcHeaderFields } from './rpc-header-codec.js';

export interface RpcFrame {
  header: RpcHeader;
  /** A view into the receive buffer: valid only while the frame callback runs. */
  args: Uint8Array;
}

const LENGTH_BYTES = 4;
/** Bytes before the header: the frame length and the header length. */
export const FRAME_PREFIX_BYTES = 2 * LENGTH_BYTES;

function writeFrame(target: Buffer, header: RpcHeaderFields, headerLength: number, args: Uint8Array): number {
  const end = FRAME_PREFIX_BYTES + headerLength + args.length;
  target.writeUInt32BE(end - LENGTH_BYTES, 0);
  target.writeUInt32BE(headerLength, LENGTH_BYTES);
  writeHeader(target, FRAME_PREFIX_BYTES, header);
  target.set(args, FRAME_PREFIX_BYTES + headerLength);
  return end;
}

/** The whole frame, length prefixes included, in one new array. Sets header.argsSize. */
export function encodeFrame(header: RpcHeaderFields, args: Uint8Array): Uint8Array {
  header.argsSize = args.length;
  const headerLength = headerBytes(header);
  const frame = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + headerLength + args.length);
  writeFrame(frame, header, headerLength, args);
  return frame;
}

const scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Like encodeFrame, but into one buffer shared by every caller: the view is valid only until the
 * next call. TcpConnection.send copies what it is given at once, so a frame on its way to a
 * socket needs no allocation of its own.
 */
export function encodeFrameScratch(header: RpcHeaderFields, args: Uint8Array): Uint8Array {
  header.argsSize = args.length;
  const headerLength = headerBytes(header);
  const total = FRAME_PREFIX_BYTES + headerLength + args.length;
  if (total > scratch.length) return encodeFrame(header, args);
  return scratch.subarray(0, writeFrame(scratch, header, headerLength, args));
}

/** Called for each decoded frame; `args` is a view valid only during the call. */
export type FrameCallback = (header: RpcHeader, args: Uint8Array) => void;

function malformed(message: string): RpcError {
  return new RpcError('DCHAT_RPC_BAD_FRAME', message);
}

/** Decodes what follows the frame length: header length, header, arguments. Never throws. */
export function decodeFrameBody(body: Uint8Array): StatusOr<RpcFrame, RpcError> {
  let frame: RpcFrame | undefined;
  const error = readFrameBody(body, 0, body.length, (header, args) => (frame = { header, args }));
  return frame ? { ok: true, value: frame } : { ok: false, error: error! };
}

/** decodeFrameBody on bytes[start, end) without result objects: the receive path runs it for every frame. */
function readFrameBody(bytes: Uint8Array, start: number, end: number, onFrame: FrameCallback): RpcError | undefined {
  const bodyLength = end - start;
  if (bodyLength < LENGTH_BYTES) {
    return malformed(`RPC frame of ${bodyLength} bytes is shorter than its 4-byte header length; the peer does not speak dchat RPC`);
  }
  const headerLength = ((bytes[start]! << 24) >>> 0) + (bytes[start + 1]! << 16) + (bytes[start + 2]! << 8) + bytes[start + 3]!;
  if (headerLength > bodyLength - LENGTH_BYTES) {
    return malformed(`RPC header length ${headerLength} exceeds the ${bodyLength - LENGTH_BYTES} bytes left in the frame; the peer does not speak dchat RPC`);
  }
  const argsStart = start + LENGTH_BYTES + headerLength;
  const header = readHeader(bytes, start + LENGTH_BYTES, argsStart);
  if (typeof header === 'string') {
    return malformed(`RPC header of ${headerLength} bytes does not decode (${header}); the peer does not speak dchat RPC`);
  }
  if (header.argsSize !== end - argsStart) {
    return malformed(`RPC header says args_size ${header.argsSize} but the frame holds ${end - argsStart} argument bytes; the peer miscounted its frame`);
  }
  onFrame(header, bytes.subarray(argsStart, end));
  return undefined;
}

/** A real copy of a view (Buffer's own slice() is a view too). */
export function copyBytes(view: Uint8Array): Uint8Array {
  return new Uint8Array(view);
}

/** What drainFrames needs of a receive buffer: src/net's Buffer fits. */
export interface FrameSource {
  readableBytes(): number;
  peek(): Uint8Array;
  retrieve(n: number): void;
}

export const DEFAULT_MAX_RPC_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * Hands every whole frame in `source` to `onFrame` and consumes it; a partial frame stays for the
 * next read. Returns the error that makes the stream unusable (oversized length, malformed body):
 * the caller closes the connection, since no later frame boundary can be trusted. The frames of
 * one read are walked in one view and consumed together at the end.
 */
export function drainFrames(source: FrameSource, maxFrameBytes: number, onFrame: FrameCallback): RpcError | undefined {
  const readable = source.readableBytes();
  if (readable < LENGTH_BYTES) return undefined;
  const bytes = source.peek();
  let offset = 0;
  while (readable - offset >= LENGTH_BYTES) {
    const frameLength = ((bytes[offset]! << 24) >>> 0) + (bytes[offset + 1]! << 16) + (bytes[offset + 2]! << 8) + bytes[offset + 3]!;
    if (frameLength > maxFrameBytes) {
      return new RpcError(
        'DCHAT_RPC_BAD_FRAME',
        `RPC frame length ${frameLength} > maxFrameBytes ${maxFrameBytes}; raise maxFrameBytes on both sides or check that the peer speaks dchat RPC`,
      );
    }
    const end = offset + LENGTH_BYTES + frameLength;
    if (end > readable) break;
    const error = readFrameBody(bytes, offset + LENGTH_BYTES, end, onFrame);
    if (error) return error;
    offset = end;
  }
  if (offset > 0) source.retrieve(offset);
  return undefined;
}
