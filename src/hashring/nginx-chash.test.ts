import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { nginxPointHasher, splitNginxServerName } from './nginx-chash.js';

test('splitNginxServerName splits at the last colon followed only by digits', () => {
  assert.deepEqual(splitNginxServerName('127.0.0.1:6000'), { host: '127.0.0.1', port: '6000' });
  assert.deepEqual(splitNginxServerName('[::1]:6000'), { host: '[::1]', port: '6000' });
  assert.deepEqual(splitNginxServerName('chat1.example.com:80'), { host: 'chat1.example.com', port: '80' });
  assert.deepEqual(splitNginxServerName('chat1.example.com'), { host: 'chat1.example.com', port: '' });
  assert.deepEqual(splitNginxServerName('[::1]'), { host: '[::1]', port: '' });
  assert.deepEqual(splitNginxServerName('UNIX:/run/chat.sock'), { host: '/run/chat.sock', port: '' });
});

test('nginx points chain crc32(host NUL port previous-point-little-endian) from a zero previous point', () => {
  const points = nginxPointHasher.serverPoints('127.0.0.1:6000', 3);
  let previous = Buffer.alloc(4);
  for (const point of points) {
    const expected = crc32(Buffer.concat([Buffer.from('127.0.0.1\x006000', 'latin1'), previous]));
    assert.equal(point, expected);
    previous = Buffer.alloc(4);
    previous.writeUInt32LE(point);
  }
});

test('nginx points of a server are a prefix of its points with a larger count', () => {
  const few = nginxPointHasher.serverPoints('10.0.0.1:6000', 150);
  const many = nginxPointHasher.serverPoints('10.0.0.1:6000', 320);
  assert.deepEqual(few, many.subarray(0, 150));
});

test('nginx key hash is crc32 of the $remote_addr text', () => {
  assert.equal(nginxPointHasher.keyHash('127.0.0.5'), crc32('127.0.0.5'));
});
