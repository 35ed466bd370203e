import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer, CHEAP_PREPEND_BYTES, INITIAL_SIZE_BYTES, MAX_RETAINED_BYTES } from './buffer.js';
import { pattern } from './net-test-support.js';

function assertIndices(buf: Buffer, readable: number, writable: number, prependable: number): void {
  assert.deepEqual(
    { readable: buf.readableBytes(), writable: buf.writableBytes(), prependable: buf.prependableBytes() },
    { readable, writable, prependable },
  );
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytesOf = (s: string): Uint8Array => new TextEncoder().encode(s);

test('buffer append and retrieve move the reader and writer indices', () => {
  const buf = new Buffer();
  assertIndices(buf, 0, INITIAL_SIZE_BYTES, CHEAP_PREPEND_BYTES);

  buf.append(bytesOf('x'.repeat(200)));
  assertIndices(buf, 200, INITIAL_SIZE_BYTES - 200, CHEAP_PREPEND_BYTES);

  const first = buf.retrieveAsBytes(50);
  assert.equal(text(first), 'x'.repeat(50));
  assertIndices(buf, 150, INITIAL_SIZE_BYTES - 200, CHEAP_PREPEND_BYTES + 50);

  buf.append(bytesOf('y'.repeat(200)));
  assertIndices(buf, 350, INITIAL_SIZE_BYTES - 400, CHEAP_PREPEND_BYTES + 50);

  assert.equal(text(buf.retrieveAsBytes(350)), 'x'.repeat(150) + 'y'.repeat(200));
  assertIndices(buf, 0, INITIAL_SIZE_BYTES, CHEAP_PREPEND_BYTES);
});

test('buffer grows when the writable and retrieved space together are too small', () => {
  const buf = new Buffer();
  buf.append(bytesOf('y'.repeat(400)));
  assertIndices(buf, 400, INITIAL_SIZE_BYTES - 400, CHEAP_PREPEND_BYTES);
  buf.retrieve(50);
  assertIndices(buf, 350, INITIAL_SIZE_BYTES - 400, CHEAP_PREPEND_BYTES + 50);

  buf.append(bytesOf('z'.repeat(INITIAL_SIZE_BYTES)));
  assert.equal(buf.readableBytes(), 350 + INITIAL_SIZE_BYTES);
  assert.equal(buf.prependableBytes(), CHEAP_PREPEND_BYTES);
  assert.ok(buf.capacity() >= CHEAP_PREPEND_BYTES + 350 + INITIAL_SIZE_BYTES);
  assert.equal(buf.writableBytes(), buf.capacity() - CHEAP_PREPEND_BYTES - 350 - INITIAL_SIZE_BYTES);
  assert.equal(text(buf.peek()), 'y'.repeat(350) + 'z'.repeat(INITIAL_SIZE_BYTES));

  buf.retrieveAll();
  assertIndices(buf, 0, buf.capacity() - CHEAP_PREPEND_BYTES, CHEAP_PREPEND_BYTES);
});

test('buffer slides readable bytes to the front instead of growing when retrieved space suffices', () => {
  const buf = new Buffer();
  buf.append(bytesOf('y'.repeat(800)));
  assertIndices(buf, 800, INITIAL_SIZE_BYTES - 800, CHEAP_PREPEND_BYTES);
  buf.retrieve(500);
  assertIndices(buf, 300, INITIAL_SIZE_BYTES - 800, CHEAP_PREPEND_BYTES + 500);

  buf.append(bytesOf('z'.repeat(INITIAL_SIZE_BYTES - 400)));
  assert.equal(buf.capacity(), CHEAP_PREPEND_BYTES + INITIAL_SIZE_BYTES);
  assertIndices(buf, INITIAL_SIZE_BYTES - 100, 100, CHEAP_PREPEND_BYTES);
  assert.equal(text(buf.peek()), 'y'.repeat(300) + 'z'.repeat(INITIAL_SIZE_BYTES - 400));
});

test('buffer prepends a big-endian length in front of the readable bytes', () => {
  const buf = new Buffer();
  buf.append(bytesOf('body'));
  assertIndices(buf, 4, INITIAL_SIZE_BYTES - 4, CHEAP_PREPEND_BYTES);

  buf.prependUInt32BE(0x01020304);
  assertIndices(buf, 8, INITIAL_SIZE_BYTES - 4, CHEAP_PREPEND_BYTES - 4);
  assert.equal(buf.peekUInt32BE(), 0x01020304);
  assert.deepEqual([...buf.peek()], [1, 2, 3, 4, ...bytesOf('body')]);

  buf.prependUInt32BE(0xfffffffe);
  assertIndices(buf, 12, INITIAL_SIZE_BYTES - 4, 0);
  assert.equal(buf.peekUInt32BE(), 0xfffffffe);
  assert.equal(buf.peekUInt32BE(4), 0x01020304);
});

test('buffer makes room when more is prepended than the cheap prepend area holds', () => {
  const buf = new Buffer(16);
  buf.append(bytesOf('ab'));
  buf.prependUInt32BE(1);
  buf.prependUInt32BE(2);
  assert.equal(buf.prependableBytes(), 0);

  buf.prependUInt32BE(3);
  assert.equal(buf.readableBytes(), 14);
  assert.equal(buf.prependableBytes(), CHEAP_PREPEND_BYTES - 4);
  assert.deepEqual([buf.peekUInt32BE(0), buf.peekUInt32BE(4), buf.peekUInt32BE(8)], [3, 2, 1]);
  assert.equal(text(buf.peek().subarray(12)), 'ab');
});

test('buffer retrieveAsView returns the bytes without copying and consumes them', () => {
  const buf = new Buffer();
  buf.append(bytesOf('hello world'));
  const view = buf.retrieveAsView(5);
  assert.equal(text(view), 'hello');
  assertIndices(buf, 6, INITIAL_SIZE_BYTES - 11, CHEAP_PREPEND_BYTES + 5);
  const rest = buf.retrieveAsView(100);
  assert.equal(text(rest), ' world');
  assertIndices(buf, 0, INITIAL_SIZE_BYTES, CHEAP_PREPEND_BYTES);
  assert.equal(view.buffer, rest.buffer, 'both views share the storage: no copy was made');
});

test('buffer retrieveAsBytes returns a copy that later appends do not change', () => {
  const buf = new Buffer();
  buf.append(bytesOf('abcd'));
  const copy = buf.retrieveAsBytes(4);
  buf.append(bytesOf('wxyz'));
  assert.equal(text(copy), 'abcd');
});

test('buffer retrieve of more than the readable bytes empties it', () => {
  const buf = new Buffer();
  buf.append(bytesOf('abc'));
  buf.retrieve(10);
  assertIndices(buf, 0, INITIAL_SIZE_BYTES, CHEAP_PREPEND_BYTES);
});

test('buffer appendOwned adopts a chunk into an empty buffer without copying it', () => {
  const buf = new Buffer();
  const chunk = pattern(100);
  buf.appendOwned(chunk);
  assertIndices(buf, 100, 0, 0);
  assert.equal(buf.peek().buffer, chunk.buffer, 'the readable bytes are the chunk itself');

  buf.retrieve(60);
  assertIndices(buf, 40, 0, 60);
  buf.retrieveAll();
  assertIndices(buf, 0, INITIAL_SIZE_BYTES, CHEAP_PREPEND_BYTES);
});

test('buffer appendOwned copies a partial frame into its own storage when the next chunk arrives', () => {
  const buf = new Buffer();
  const whole = pattern(300);
  buf.appendOwned(whole.slice(0, 120));
  buf.retrieve(100);
  assertIndices(buf, 20, 0, 100);

  buf.appendOwned(whole.slice(120));
  assertIndices(buf, 200, INITIAL_SIZE_BYTES - 200, CHEAP_PREPEND_BYTES);
  assert.deepEqual(buf.peek(), whole.subarray(100));
});

test('buffer appendOwned of a chunk bigger than its own storage grows it', () => {
  const buf = new Buffer(16);
  buf.appendOwned(pattern(10));
  buf.retrieve(4);
  buf.appendOwned(pattern(100, 10));
  assert.equal(buf.readableBytes(), 106);
  assert.equal(buf.prependableBytes(), CHEAP_PREPEND_BYTES);
  assert.deepEqual(buf.peek(), pattern(106, 4));
});

test('buffer peekUInt32BE reads values with the top bit set as unsigned', () => {
  const buf = new Buffer();
  buf.append(Uint8Array.of(0x80, 0, 0, 1, 0xff, 0xff, 0xff, 0xff));
  assert.equal(buf.peekUInt32BE(), 0x80000001);
  assert.equal(buf.peekUInt32BE(4), 0xffffffff);
});

test('buffer gives back storage above MAX_RETAINED_BYTES once it empties, and keeps views of it valid', () => {
  const buf = new Buffer();
  const big = pattern(MAX_RETAINED_BYTES + 1);
  buf.append(big);
  assert.ok(buf.capacity() > MAX_RETAINED_BYTES);
  const view = buf.retrieveAsView(big.length);
  assertIndices(buf, 0, INITIAL_SIZE_BYTES, CHEAP_PREPEND_BYTES);
  buf.append(pattern(100, 9));
  assert.deepEqual(view, big, 'the view of the given-back storage is untouched by later appends');
});
