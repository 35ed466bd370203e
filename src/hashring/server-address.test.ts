import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePort, parseServerAddress, parseServerName, serverName } from './server-address.js';

function errorCode(result: { ok: boolean; error?: { code: string } }): string | undefined {
  return result.ok ? undefined : result.error?.code;
}

test('parsePort accepts 1..65535 and rejects the rest with DCHAT_RING_BAD_PORT', () => {
  assert.deepEqual(parsePort('6000'), { ok: true, value: 6000 });
  assert.deepEqual(parsePort('65535'), { ok: true, value: 65535 });
  for (const bad of ['0', '65536', '-1', '60a', '', '6000.5', '123456']) assert.equal(errorCode(parsePort(bad)), 'DCHAT_RING_BAD_PORT', bad);
});

test('parseServerAddress keeps IPv4 and host names as written and brackets IPv6', () => {
  assert.deepEqual(parseServerAddress('10.0.0.1', '6000'), { ok: true, value: { host: '10.0.0.1', port: 6000 } });
  assert.deepEqual(parseServerAddress('Chat-1.example.com', '80'), { ok: true, value: { host: 'Chat-1.example.com', port: 80 } });
  assert.deepEqual(parseServerAddress('::1', '6000'), { ok: true, value: { host: '[::1]', port: 6000 } });
  assert.deepEqual(parseServerAddress('[::1]', '6000'), { ok: true, value: { host: '[::1]', port: 6000 } });
});

test('parseServerAddress rejects addresses that do not parse with DCHAT_RING_BAD_ADDRESS', () => {
  for (const bad of ['10.0.0.256', '010.0.0.1', '10.0.0', 'a b', '-chat', '', 'chat..x', '::g']) {
    const result = parseServerAddress(bad, '6000');
    assert.equal(errorCode(result), 'DCHAT_RING_BAD_ADDRESS', bad);
  }
  const message = parseServerAddress('10.0.0.256', '6000');
  assert.match(message.ok ? '' : message.error.message, /"10.0.0.256" is not an IPv4 address/);
});

test('serverName and parseServerName round-trip, also for IPv6', () => {
  for (const name of ['10.0.0.1:6000', '[::1]:6000', 'chat1:7000']) {
    const parsed = parseServerName(name);
    assert.ok(parsed.ok, name);
    assert.equal(serverName(parsed.value), name);
  }
  assert.equal(errorCode(parseServerName('10.0.0.1')), 'DCHAT_RING_BAD_ADDRESS');
  assert.equal(errorCode(parseServerName('::1:6000')), 'DCHAT_RING_BAD_ADDRESS');
});
