import { test } from 'node:test';
import assert from 'node:assert/strict';
import { remoteAddrOf } from './remote-addr.js';

function text(input: string): string {
  const result = remoteAddrOf(input);
  return result.ok ? result.value : result.error.code;
}

test('remoteAddrOf gives IPv4 as dotted decimal', () => {
  assert.equal(text('127.0.0.9'), '127.0.0.9');
});

test('remoteAddrOf prints IPv6 as nginx does, compressing the longest zero run of two or more words', () => {
  assert.equal(text('::1'), '::1');
  assert.equal(text('[2001:DB8:0:0:0:0:0:1]'), '2001:db8::1');
  assert.equal(text('2001:db8:0:1:0:0:0:1'), '2001:db8:0:1::1');
  assert.equal(text('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
  assert.equal(text('1::'), '1::');
  assert.equal(text('::'), '::');
});

test('remoteAddrOf prints embedded IPv4 tails in dotted form like nginx', () => {
  assert.equal(text('::ffff:10.1.2.3'), '::ffff:10.1.2.3');
  assert.equal(text('::ffff:a01:203'), '::ffff:10.1.2.3');
  assert.equal(text('::10.1.2.3'), '::10.1.2.3');
  assert.equal(text('::2'), '::2');
});

test('remoteAddrOf rejects host names and garbage with DCHAT_RING_BAD_ADDRESS', () => {
  for (const bad of ['localhost', '10.0.0.256', '', '1.2.3']) assert.equal(text(bad), 'DCHAT_RING_BAD_ADDRESS', bad);
});
