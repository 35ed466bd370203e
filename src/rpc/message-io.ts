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

let writer = protobuf.Writer.create();
const EMPTY = new Uint8Array(0);
const reader = new protobuf.Reader(EMPTY);
reader.raw = function copyRaw(this: protobuf.Reader, start: number, end: number): Uint8Array {
  return Uint8Array.prototype.slice.call(this.buf, start, end);
};

/**
 * Encodes `message` into the shared writer: its bytes are `writer.buf[0, writer.pos)`, valid
 * until the next encodeShared. Throws what the generated encode throws.
 */
export function encodeShared(codec: MessageCodec, message: object): protobuf.Writer {
  if (writer.buf.length > MAX_RETAINED_WRITER_BYTES) writer = protobuf.Writer.create();
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
  try {
    return codec.decode(reader);
  } finally {
    reader.buf = EMPTY;
    reader.pos = 0;
    reader.len = 0;
  }
}
