import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { crc32Continue, crc32OfString } from './crc32.js';

test('crc32OfString equals zlib.crc32 for ASCII, non-ASCII and empty texts', () => {
  for (const text of ['', 'a', '127.0.0.1', '2001:db8::1', 'héllo', '鍵', '\0\u007f']) {
    assert.equal(crc32OfString(text), crc32(text), text);
  }
  for (let i = 0; i < 1000; i++) {
    const text = `${i % 256}.${(i * 7) % 256}.${i >> 3}.${i & 255}`;
    assert.equal(crc32OfString(text), crc32(text));
  }
});

test('crc32Continue over two pieces equals crc32 of their concatenation', () => {
  const whole = crc32(Buffer.from('10.0.0.1\x006000\x01\x02\x03\x04', 'latin1'));
  const first = crc32Continue('10.0.0.1\x006000', 0);
  assert.equal(crc32Continue(new Uint8Array([1, 2, 3, 4]), first), whole);
});
