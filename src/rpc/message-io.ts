// Protobuf messages of calls, encoded into one reused writer and decoded through one reused
// reader. The generated encode() makes a writer with a 128-byte buffer and finish() copies the
// result out; decode() of bytes makes a reader. Every call encodes two messages and decodes two,
// so on the hot path these are a good part of what the garbage collector has to clean up.
//
// Both are safe to share because encode and decode run to the end synchronously: the bytes of
// one encode are used (copied into a frame) before the next encode starts.
//
// Messages are decoded straight from the receive buffer, which is reused: the reader's raw()
// (what `bytes` fields and unknown fields are made of) copies, so a decoded message never
// aliases the buffer, and the argument bytes need no copy of their own.
import protobuf from 'protobufjs/minimal.js';
import type { MessageCodec } from './service-descriptor.js';

/** A writer that grew past this for one large message is replaced, so that it does not pin the memory. */
const MAX_RETAINED_WRITER_BYTES = 1024 * 1024;

const EMPTY = new Uint8Array(0);

// 64-bit integers (dchat's ids) go through protobufjs's LongBits, an object per value, even when
// the value is small. A varint of a value below 2^32 is the same bytes whatever its declared
// width, so those take the 32-bit path; anything else goes the usual way.
const writeUint64 = protobuf.Writer.prototype.uint64;
function fastUint64(this: protobuf.Writer, value: number | protobuf.Long | string): protobuf.Writer {
  if (typeof value === 'number' && value >>> 0 === value) return this.uint32(value);
  return writeUint64.call(this, value);
}

function newWriter(): protobuf.Writer {
  const created = protobuf.Writer.create();
  created.uint64 = fastUint64;
  created.int64 = fastUint64;
  return created;
}

let writer = newWriter();
const reader = new protobuf.Reader(EMPTY);
reader.raw = function copyRaw(this: protobuf.Reader, start: number, end: number): Uint8Array {
  return Uint8Array.prototype.slice.call(this.buf, start, end);
};

/** The varint at the reader's position if it takes at most 4 bytes (a value below 2^28, read alike as int64 and uint64); else -1, nothing consumed. */
function shortVarint(r: protobuf.Reader): number {
  const buf = r.buf;
  const pos = r.pos;
  const count = Math.min(4, r.len - pos);
  let value = 0;
  for (let i = 0; i < count; i++) {
    const byte = buf[pos + i]!;
    value |= (byte & 0x7f) << (7 * i);
    if (byte < 0x80) {
      r.pos = pos + i + 1;
      return value;
    }
  }
  return -1;
}

// Only where protobufjs reads 64-bit values as plain numbers (no Long library), as dchat's build does.
/** What the reader's 64-bit methods return at run time; the typings promise a Long. */
interface NumberLongReader {
  uint64(): number | protobuf.Long;
  int64(): number | protobuf.Long;
}

if (typeof (new protobuf.Reader(Uint8Array.of(1)) as unknown as NumberLongReader).uint64() === 'number') {
  const readUint64 = protobuf.Reader.prototype.uint64;
  const readInt64 = protobuf.Reader.prototype.int64;
  const numberReader = reader as unknown as NumberLongReader;
  numberReader.uint64 = function fastReadUint64(this: protobuf.Reader): number | protobuf.Long {
    const value = shortVarint(this);
    return value >= 0 ? value : readUint64.call(this);
  };
  numberReader.int64 = function fastReadInt64(this: protobuf.Reader): number | protobuf.Long {
    const value = shortVarint(this);
    return value >= 0 ? value : readInt64.call(this);
  };
}

/**
 * Encodes `message` into the shared writer: its bytes are `writer.buf[0, writer.pos)`, valid
 * until the next encodeShared. Throws what the generated encode throws.
 */
export function encodeShared(codec: MessageCodec, message: object): protobuf.Writer {
  if (writer.buf.length > MAX_RETAINED_WRITER_BYTES) writer = newWriter();
  // A previous encode that threw half way may have left forks open; the array itself is kept.
  if (writer.states !== null) writer.states.length = 0;
  writer.pos = 0;
  codec.encode(message, writer);
  return writer;
}

/** Decodes bytes[start, end) with the shared reader. Throws what the generated decode throws. */
export function decodeShared(codec: MessageCodec, bytes: Uint8Array, start = 0, end = bytes.length): object {
  reader.buf = bytes;
  reader.pos = start;
  reader.len = end;
  reader.view = null;
  // As a reader made for this decode would: protobufjs's setting at the time.
  reader.discardUnknown = protobuf.Reader.discardUnknown;
  try {
    return codec.decode(reader);
  } finally {
    reader.buf = EMPTY;
    reader.pos = 0;
    reader.len = 0;
  }
}
