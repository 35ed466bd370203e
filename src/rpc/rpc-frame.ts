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
import type { dchat } from '../gen/proto.js';
import {
  HeaderReader,
  headerBytes,
  newHeader,
  readHeaderInto,
  varintFieldBytes,
  writeHeader,
  writeVarintField,
  type RpcHeader,
  type RpcHeaderFields,
} from './rpc-header-codec.js';

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

/** Frames up to this size get a view of the scratch made once per length (at most ~100 KiB of views). */
const MAX_CACHED_VIEW_BYTES = 1024;
const scratchViews = new Array<Uint8Array | undefined>(MAX_CACHED_VIEW_BYTES + 1).fill(undefined);

/**
 * The view of scratch[0, end) to hand to send(). Every call sends two frames, and a view made per
 * frame was a good part of what a call allocates; frames of one method are mostly of a few lengths.
 */
function scratchView(end: number): Uint8Array {
  if (end > MAX_CACHED_VIEW_BYTES) return new Uint8Array(scratch.buffer, scratch.byteOffset, end);
  let view = scratchViews[end];
  if (view === undefined) {
    view = new Uint8Array(scratch.buffer, scratch.byteOffset, end);
    scratchViews[end] = view;
  }
  return view;
}

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
  return scratchView(writeFrame(scratch, header, headerLength, args));
}

/** Fields 1 and 2 of an RpcHeader (service and method name), encoded once per method for encodeCallFrameScratch. */
export function encodeNameFields(serviceName: string, methodName: string): Uint8Array {
  const fields: RpcHeaderFields = { serviceName, methodName };
  const bytes = Buffer.alloc(headerBytes(fields));
  writeHeader(bytes, 0, fields);
  return new Uint8Array(bytes);
}

const TAG_ARGS_SIZE = 0x18;
const TAG_CALL_ID = 0x20;
const TAG_KIND = 0x28;
const TAG_DEADLINE_MS = 0x40;

/**
 * The frame of a request (nameFields from encodeNameFields) or of an OK response (no name
 * fields, no deadline) with arguments args[0, argsLength), into the shared scratch like
 * encodeFrameScratch and with the same bytes, but without a header object: every call sends two
 * of these. `args` may be a longer buffer, such as a protobuf writer's.
 */
export function encodeCallFrameScratch(nameFields: Uint8Array, kind: dchat.rpc.FrameKind, callId: number, deadlineMs: number, args: Uint8Array, argsLength: number): Uint8Array {
  const headerLength = nameFields.length + varintFieldBytes(argsLength) + varintFieldBytes(callId) + varintFieldBytes(kind) + varintFieldBytes(deadlineMs);
  const end = FRAME_PREFIX_BYTES + headerLength + argsLength;
  if (end > scratch.length) {
    const header: RpcHeaderFields = { kind, callId, deadlineMs };
    if (nameFields.length > 0) Object.assign(header, readNames(nameFields));
    return encodeFrame(header, args.subarray(0, argsLength));
  }
  const frameLength = end - LENGTH_BYTES;
  scratch[0] = frameLength >>> 24;
  scratch[1] = frameLength >>> 16;
  scratch[2] = frameLength >>> 8;
  scratch[3] = frameLength;
  scratch[4] = headerLength >>> 24;
  scratch[5] = headerLength >>> 16;
  scratch[6] = headerLength >>> 8;
  scratch[7] = headerLength;
  let at = FRAME_PREFIX_BYTES;
  for (let i = 0; i < nameFields.length; i++) scratch[at++] = nameFields[i]!;
  at = writeVarintField(scratch, at, TAG_ARGS_SIZE, argsLength);
  at = writeVarintField(scratch, at, TAG_CALL_ID, callId);
  at = writeVarintField(scratch, at, TAG_KIND, kind);
  at = writeVarintField(scratch, at, TAG_DEADLINE_MS, deadlineMs);
  // Small arguments are copied by hand: set() would need a subarray view first.
  if (argsLength <= 64) for (let i = 0; i < argsLength; i++) scratch[at++] = args[i]!;
  else scratch.set(argsLength === args.length ? args : args.subarray(0, argsLength), at);
  return scratchView(end);
}

function readNames(nameFields: Uint8Array): RpcHeaderFields {
  const header = newHeader();
  readHeaderInto(header, new HeaderReader(nameFields, 0, nameFields.length), nameFields, 0, nameFields.length);
  return { serviceName: header.serviceName, methodName: header.methodName };
}

/**
 * Called for each decoded frame: its arguments are bytes[argsStart, argsStart + header.argsSize).
 * `header` and `bytes` are valid only during the call (the header is reused, the bytes are the
 * receive buffer's); passing the range rather than a view saves a view per frame.
 */
export type FrameCallback = (header: RpcHeader, bytes: Uint8Array, argsStart: number) => void;

function malformed(message: string): RpcError {
  return new RpcError('DCHAT_RPC_BAD_FRAME', message);
}

/** Decodes what follows the frame length: header length, header, arguments. Never throws. */
export function decodeFrameBody(body: Uint8Array): StatusOr<RpcFrame, RpcError> {
  let frame: RpcFrame | undefined;
  const error = readFrameBody(body, 0, body.length, newHeader(), new HeaderReader(body, 0, 0), (header, bytes, argsStart) => (frame = { header, args: bytes.subarray(argsStart, argsStart + header.argsSize) }));
  return frame ? { ok: true, value: frame } : { ok: false, error: error! };
}

/** decodeFrameBody on bytes[start, end) without result objects: the receive path runs it for every frame. */
function readFrameBody(bytes: Uint8Array, start: number, end: number, header: RpcHeader, reader: HeaderReader, onFrame: FrameCallback): RpcError | undefined {
  const bodyLength = end - start;
  if (bodyLength < LENGTH_BYTES) {
    return malformed(`RPC frame of ${bodyLength} bytes is shorter than its 4-byte header length; the peer does not speak dchat RPC`);
  }
  const headerLength = ((bytes[start]! << 24) >>> 0) + (bytes[start + 1]! << 16) + (bytes[start + 2]! << 8) + bytes[start + 3]!;
  if (headerLength > bodyLength - LENGTH_BYTES) {
    return malformed(`RPC header length ${headerLength} exceeds the ${bodyLength - LENGTH_BYTES} bytes left in the frame; the peer does not speak dchat RPC`);
  }
  const argsStart = start + LENGTH_BYTES + headerLength;
  const failure = readHeaderInto(header, reader, bytes, start + LENGTH_BYTES, argsStart);
  if (failure) {
    return malformed(`RPC header of ${headerLength} bytes does not decode (${failure}); the peer does not speak dchat RPC`);
  }
  if (header.argsSize !== end - argsStart) {
    return malformed(`RPC header says args_size ${header.argsSize} but the frame holds ${end - argsStart} argument bytes; the peer miscounted its frame`);
  }
  onFrame(header, bytes, argsStart);
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
  // One header object and one reader serve every frame of this read.
  const header = newHeader();
  const reader = new HeaderReader(bytes, 0, 0);
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
    const error = readFrameBody(bytes, offset + LENGTH_BYTES, end, header, reader, onFrame);
    if (error) return error;
    offset = end;
  }
  if (offset > 0) source.retrieve(offset);
  return undefined;
}
