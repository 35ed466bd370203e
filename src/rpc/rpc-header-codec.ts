// RpcHeader (proto/rpc.proto) encoded and decoded by hand. The bytes are exactly protobuf's, so
// any protobuf library reads and writes them, but every call pays for a header twice, and the
// generated code allocates a Writer, its operation list and a Reader each time. This codec
// writes straight into the frame's buffer and reads from the receive buffer's view; unknown
// fields are skipped, as protobuf requires, so that newer peers may add fields.
import { dchat } from '../gen/proto.js';

export interface RpcHeader {
  serviceName: string;
  methodName: string;
  argsSize: number;
  callId: number;
  kind: dchat.rpc.FrameKind;
  status: dchat.rpc.RpcStatus;
  errorText: string;
  deadlineMs: number;
}

/** Fields left out are their proto3 defaults (0, ''). */
export type RpcHeaderFields = Partial<RpcHeader>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function varintBytes(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/** The UTF-8 length of a short ASCII string (service and method names) without a native call; -1 otherwise. */
function asciiLength(text: string): number {
  if (text.length > 64) return -1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return -1;
  return text.length;
}

function utf8Length(text: string): number {
  const ascii = asciiLength(text);
  return ascii >= 0 ? ascii : Buffer.byteLength(text);
}

function stringFieldBytes(text: string | undefined): number {
  if (!text) return 0;
  const length = utf8Length(text);
  return 1 + varintBytes(length) + length;
}

export function varintFieldBytes(value: number | undefined): number {
  return value ? 1 + varintBytes(value >>> 0) : 0;
}

/** Bytes `header` takes once encoded. */
export function headerBytes(header: RpcHeaderFields): number {
  return (
    stringFieldBytes(header.serviceName) +
    stringFieldBytes(header.methodName) +
    varintFieldBytes(header.argsSize) +
    varintFieldBytes(header.callId) +
    varintFieldBytes(header.kind) +
    varintFieldBytes(header.status) +
    stringFieldBytes(header.errorText) +
    varintFieldBytes(header.deadlineMs)
  );
}

function writeVarint(target: Uint8Array, offset: number, value: number): number {
  let rest = value >>> 0;
  while (rest >= 0x80) {
    target[offset++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  target[offset++] = rest;
  return offset;
}

export function writeVarintField(target: Uint8Array, offset: number, tag: number, value: number | undefined): number {
  if (!value) return offset;
  target[offset] = tag;
  return writeVarint(target, offset + 1, value);
}

function writeStringField(target: Buffer, offset: number, tag: number, text: string | undefined): number {
  if (!text) return offset;
  target[offset] = tag;
  const ascii = asciiLength(text);
  if (ascii < 0) {
    const start = writeVarint(target, offset + 1, Buffer.byteLength(text));
    return start + target.write(text, start, 'utf8');
  }
  let at = writeVarint(target, offset + 1, ascii);
  for (let i = 0; i < ascii; i++) target[at++] = text.charCodeAt(i);
  return at;
}

/** Writes `header` at `offset` (headerBytes(header) must fit); returns the offset after it. */
export function writeHeader(target: Buffer, offset: number, header: RpcHeaderFields): number {
  let at = writeStringField(target, offset, 0x0a, header.serviceName);
  at = writeStringField(target, at, 0x12, header.methodName);
  at = writeVarintField(target, at, 0x18, header.argsSize);
  at = writeVarintField(target, at, 0x20, header.callId);
  at = writeVarintField(target, at, 0x28, header.kind);
  at = writeVarintField(target, at, 0x30, header.status);
  at = writeStringField(target, at, 0x3a, header.errorText);
  return writeVarintField(target, at, 0x40, header.deadlineMs);
}

/** A reader over one header's bytes; `failure` is set instead of throwing. Reusable: reset() points it at the next header. */
export class HeaderReader {
  failure = '';
  constructor(
    private bytes: Uint8Array,
    public pos: number,
    private end: number,
  ) {}

  reset(bytes: Uint8Array, pos: number, end: number): void {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
    this.failure = '';
  }

  isAtEnd(): boolean {
    return this.pos >= this.end || this.failure !== '';
  }

  varint(): number {
    const first = this.pos < this.end ? this.bytes[this.pos]! : 0x80;
    if (first < 0x80) {
      this.pos++;
      return first;
    }
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) return this.fail('a varint runs past the end of the header');
      const byte = this.bytes[this.pos++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result > 0xffffffff ? this.fail('a varint exceeds 32 bits') : result;
    }
    // Protobuf allows 10-byte varints (negative int32 values): take the low 32 bits, skip the rest.
    for (let extra = 0; extra < 5; extra++) {
      if (this.pos >= this.end) return this.fail('a varint runs past the end of the header');
      if (this.bytes[this.pos++]! < 0x80) return result >>> 0;
    }
    return this.fail('a varint is longer than 10 bytes');
  }

  /** A service or method name: the same few names arrive on every request, so they are interned. */
  name(): string {
    const lengthStart = this.pos;
    const length = this.varint();
    const end = this.pos + length;
    if (end <= this.end && length <= 64) {
      const interned = internedName(this.bytes, this.pos, end);
      if (interned !== undefined) {
        this.pos = end;
        return interned;
      }
    }
    this.pos = lengthStart;
    return this.string();
  }

  string(): string {
    const length = this.varint();
    const end = this.pos + length;
    if (end > this.end) {
      this.fail(`a string of ${length} bytes runs past the end of the header`);
      return '';
    }
    const start = this.pos;
    this.pos = end;
    const text = decodeUtf8(this.bytes, start, end);
    if (text === undefined) this.fail('a string is not valid UTF-8');
    return text ?? '';
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2: {
        const length = this.varint();
        this.pos += length;
        break;
      }
      case 5:
        this.pos += 4;
        break;
      default:
        this.fail(`wire type ${wireType} is not allowed`);
        return;
    }
    if (this.pos > this.end) this.fail('a field runs past the end of the header');
  }

  fail(message: string): number {
    if (!this.failure) this.failure = message;
    this.pos = this.end;
    return 0;
  }
}

const names = new Map<number, string>();
const MAX_INTERNED_NAMES = 1024;

/**
 * The one string object for an ASCII name, found by an FNV-1a hash of its bytes and checked byte
 * by byte. Reusing the object keeps its hash cached for the provider's service and method maps,
 * and saves building the string; undefined for non-ASCII bytes (decoded the ordinary way).
 */
function internedName(bytes: Uint8Array, start: number, end: number): string | undefined {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x80) return undefined;
    hash = Math.imul(hash ^ byte, 0x01000193);
  }
  const known = names.get(hash);
  if (known !== undefined && known.length === end - start && sameAscii(known, bytes, start)) return known;
  const text = decodeUtf8(bytes, start, end);
  if (text === undefined) return undefined;
  if (names.size >= MAX_INTERNED_NAMES) names.clear();
  names.set(hash, text);
  return text;
}

function sameAscii(text: string, bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== bytes[start + i]) return false;
  return true;
}

/** Short ASCII strings (service and method names) without a decoder call; the rest strictly. */
function decodeUtf8(bytes: Uint8Array, start: number, end: number): string | undefined {
  if (end - start <= 64) {
    let text = '';
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (byte >= 0x80) return strictUtf8(bytes, start, end);
      text += String.fromCharCode(byte);
    }
    return text;
  }
  return strictUtf8(bytes, start, end);
}

function strictUtf8(bytes: Uint8Array, start: number, end: number): string | undefined {
  try {
    return utf8.decode(bytes.subarray(start, end));
  } catch {
    return undefined;
  }
}

export function newHeader(): RpcHeader {
  return { serviceName: '', methodName: '', argsSize: 0, callId: 0, kind: 0, status: 0, errorText: '', deadlineMs: 0 };
}

/** Decodes the header in bytes[start, end) (all of `bytes` by default); returns the reason when it is not one. */
export function readHeader(bytes: Uint8Array, start = 0, end = bytes.length): RpcHeader | string {
  const header = newHeader();
  return readHeaderInto(header, new HeaderReader(bytes, start, end), bytes, start, end) || header;
}

/**
 * readHeader into an existing header object with an existing reader, so that the receive path
 * allocates neither per frame. Every field is set (to its default when absent). Returns '' or
 * the reason the bytes are not a header.
 */
export function readHeaderInto(header: RpcHeader, reader: HeaderReader, bytes: Uint8Array, start: number, end: number): string {
  header.serviceName = '';
  header.methodName = '';
  header.argsSize = 0;
  header.callId = 0;
  header.kind = 0;
  header.status = 0;
  header.errorText = '';
  header.deadlineMs = 0;
  reader.reset(bytes, start, end);
  while (!reader.isAtEnd()) {
    const tag = reader.varint();
    if (reader.failure) break;
    const field = tag >>> 3;
    const wireType = tag & 7;
    const isVarint = wireType === 0;
    const isBytes = wireType === 2;
    if (field === 1 && isBytes) header.serviceName = reader.name();
    else if (field === 2 && isBytes) header.methodName = reader.name();
    else if (field === 3 && isVarint) header.argsSize = reader.varint();
    else if (field === 4 && isVarint) header.callId = reader.varint();
    else if (field === 5 && isVarint) header.kind = reader.varint();
    else if (field === 6 && isVarint) header.status = reader.varint();
    else if (field === 7 && isBytes) header.errorText = reader.string();
    else if (field === 8 && isVarint) header.deadlineMs = reader.varint();
    else if (field === 0) reader.fail('field number 0 is not allowed');
    else reader.skip(wireType);
  }
  return reader.failure;
}
