// muduo's Buffer: the input (and codec scratch) byte queue of a connection.
//
//   +-------------------+------------------+------------------+
//   | prependable bytes |  readable bytes  |  writable bytes  |
//   |                   |     (CONTENT)    |                  |
//   +-------------------+------------------+------------------+
//   |                   |                  |                  |
//   0      <=      readerIndex   <=   writerIndex    <=    capacity
//
// append() writes at writerIndex, retrieve() advances readerIndex. When the writable part is
// too small the readable bytes first slide to the front (the space already retrieved is
// reused), and only if that is still too small the storage grows. A partial frame therefore
// stays where it is until its rest arrives. The cheap prepend area lets a codec write a body
// first and put its length in front afterwards without moving the body.
//
// appendOwned() is the zero-copy path for socket chunks: when the buffer is empty it adopts
// the chunk as its storage instead of copying it, so frames wholly inside one chunk are
// handed out as views of that chunk. Bytes are copied only when a frame spans chunks (the
// leftover moves into the buffer's own storage when the next chunk arrives).
import { Buffer as NodeBuffer } from 'node:buffer';

export const CHEAP_PREPEND_BYTES = 8;
export const INITIAL_SIZE_BYTES = 4096;
/** Storage above this is given back once the buffer empties: one large frame must not pin memory for the connection's life. */
export const MAX_RETAINED_BYTES = 1024 * 1024;

// Views handed out are plain Uint8Arrays, never node Buffers: on a node Buffer slice() makes a
// view, and a caller keeping frame.slice() must get a copy. (Building them with the Uint8Array
// constructor is also cheaper than Buffer's subarray.)
function allocBytes(n: number): Uint8Array {
  const b = NodeBuffer.allocUnsafeSlow(n);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export class Buffer {
  private bytes: Uint8Array;
  private readerIndex = CHEAP_PREPEND_BYTES;
  private writerIndex = CHEAP_PREPEND_BYTES;
  /** The buffer's own storage while `bytes` is an adopted chunk (see appendOwned). */
  private ownBytes: Uint8Array | undefined;

  constructor(initialBytes: number = INITIAL_SIZE_BYTES) {
    this.bytes = allocBytes(CHEAP_PREPEND_BYTES + initialBytes);
  }

  readableBytes(): number {
    return this.writerIndex - this.readerIndex;
  }

  writableBytes(): number {
    return this.isAdopted() ? 0 : this.bytes.length - this.writerIndex;
  }

  prependableBytes(): number {
    return this.readerIndex;
  }

  /** Size of the storage in use, all three parts together. */
  capacity(): number {
    return this.bytes.length;
  }

  /** View of the readable bytes, valid until the next append or retrieve. */
  peek(): Uint8Array {
    return this.view(this.readerIndex, this.writerIndex);
  }

  /** The big-endian uint32 at `offset` into the readable bytes; the caller checks readableBytes() first. */
  peekUInt32BE(offset = 0): number {
    const b = this.bytes;
    const i = this.readerIndex + offset;
    return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  }

  /**
   * Consumes `n` readable bytes (all of them when n >= readableBytes()). Returns nothing, as in
   * muduo: a caller that wants the bytes takes them with retrieveAsView/retrieveAsBytes first.
   */
  retrieve(n: number): void {
    if (n < this.readableBytes()) this.readerIndex += n;
    else this.retrieveAll();
  }

  retrieveAll(): void {
    if (this.ownBytes !== undefined) {
      this.bytes = this.ownBytes;
      this.ownBytes = undefined;
    }
    if (this.bytes.length > MAX_RETAINED_BYTES) this.bytes = allocBytes(CHEAP_PREPEND_BYTES + INITIAL_SIZE_BYTES);
    this.readerIndex = CHEAP_PREPEND_BYTES;
    this.writerIndex = CHEAP_PREPEND_BYTES;
  }

  /** The next `n` readable bytes as a view (no copy), consumed; valid until the next append. */
  retrieveAsView(n: number): Uint8Array {
    const end = this.readerIndex + Math.min(n, this.readableBytes());
    const view = this.view(this.readerIndex, end);
    this.retrieve(n);
    return view;
  }

  /** The next `n` readable bytes as a copy the caller owns, consumed. */
  retrieveAsBytes(n: number): Uint8Array {
    const copy = new Uint8Array(this.retrieveAsView(n));
    return copy;
  }

  append(data: Uint8Array): void {
    this.ensureWritable(data.length);
    this.bytes.set(data, this.writerIndex);
    this.writerIndex += data.length;
  }

  /**
   * Appends a chunk the caller hands over for good (a socket read): the buffer may keep the
   * chunk's memory instead of copying it, so the caller must not modify it afterwards.
   */
  appendOwned(chunk: Uint8Array): void {
    if (this.readableBytes() !== 0 || this.isAdopted() || chunk.length === 0) {
      this.append(chunk);
      return;
    }
    this.ownBytes = this.bytes;
    this.bytes = chunk;
    this.readerIndex = 0;
    this.writerIndex = chunk.length;
  }

  /** Writes `value` big-endian just before the readable bytes (a codec's length prefix). */
  prependUInt32BE(value: number): void {
    if (this.readerIndex < 4) this.makePrependSpace();
    const b = this.bytes;
    const i = this.readerIndex - 4;
    b[i] = value >>> 24;
    b[i + 1] = value >>> 16;
    b[i + 2] = value >>> 8;
    b[i + 3] = value;
    this.readerIndex = i;
  }

  private view(start: number, end: number): Uint8Array {
    const b = this.bytes;
    return new Uint8Array(b.buffer, b.byteOffset + start, end - start);
  }

  private isAdopted(): boolean {
    return this.ownBytes !== undefined;
  }

  private ensureWritable(n: number): void {
    if (this.writableBytes() >= n) return;
    const readable = this.readableBytes();
    const needed = CHEAP_PREPEND_BYTES + readable + n;
    if (!this.isAdopted() && this.bytes.length >= needed) {
      this.bytes.copyWithin(CHEAP_PREPEND_BYTES, this.readerIndex, this.writerIndex);
    } else {
      this.moveTo(this.storageOf(needed), CHEAP_PREPEND_BYTES);
    }
    this.readerIndex = CHEAP_PREPEND_BYTES;
    this.writerIndex = CHEAP_PREPEND_BYTES + readable;
  }

  /** Storage for at least `needed` bytes: the own storage if it is big enough, else a new one twice as big. */
  private storageOf(needed: number): Uint8Array {
    const own = this.ownBytes ?? this.bytes;
    if (this.isAdopted() && own.length >= needed) return own;
    return allocBytes(Math.max(needed, own.length * 2));
  }

  private moveTo(target: Uint8Array, readerIndex: number): void {
    target.set(this.bytes.subarray(this.readerIndex, this.writerIndex), readerIndex);
    this.bytes = target;
    this.ownBytes = undefined;
  }

  private makePrependSpace(): void {
    const readable = this.readableBytes();
    const own = this.ownBytes ?? this.bytes;
    const needed = CHEAP_PREPEND_BYTES + readable + Math.max(0, this.writableBytes());
    const target = allocBytes(Math.max(needed, own.length));
    this.moveTo(target, CHEAP_PREPEND_BYTES);
    this.readerIndex = CHEAP_PREPEND_BYTES;
    this.writerIndex = CHEAP_PREPEND_BYTES + readable;
  }
}
