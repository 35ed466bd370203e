import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHostPort } from './host-port.js';

test('parseHostPort reads host:port, bare hosts and bracketed IPv6', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:6000'), { ok: true, value: { host: '127.0.0.1', port: 6000 } });
  assert.deepEqual(parseHostPort('chat.example'), { ok: true, value: { host: 'chat.example', port: 6000 } });
  assert.deepEqual(parseHostPort('[::1]:8000'), { ok: true, value: { host: '::1', port: 8000 } });
});

test('parseHostPort refuses what is not host:port, naming the value', () => {
  for (const bad of ['', 'a:b', 'host:0', 'host:70000', 'a b:1']) {
    const result = parseHostPort(bad);
    assert.equal(result.ok, false, bad);
    if (!result.ok) assert.ok(result.error.includes(bad) || bad === '', result.error);
  }
});
