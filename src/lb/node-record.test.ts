import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodeRecord } from './node-record.js';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const full = {
  nodeId: '127.0.0.1:6000', clientAddress: '127.0.0.1:6000', rpcAddress: '127.0.0.1:41234',
  startedAtMs: 1764081000000, weight: 2, connections: 12, users: 10, updatedAtMs: 1764081005000,
};

test('node record takes the client address and weight from a chat node\'s znode data', () => {
  const record = parseNodeRecord('127.0.0.1:6000', json(full));
  assert.deepEqual(record, { ok: true, value: { nodeId: '127.0.0.1:6000', clientAddress: '127.0.0.1:6000', weight: 2 } });
});

test('node record falls back to the node id as address and weight 1 when the data leaves them out', () => {
  const record = parseNodeRecord('10.0.0.7:6002', json({ startedAtMs: 1 }));
  assert.deepEqual(record, { ok: true, value: { nodeId: '10.0.0.7:6002', clientAddress: '10.0.0.7:6002', weight: 1 } });
});

test('node record rejects data that is not JSON, naming the node and what it saw', () => {
  const record = parseNodeRecord('n1', Buffer.from('hello'));
  assert.equal(record.ok, false);
  if (record.ok) return;
  assert.equal(record.error.code, 'DCHAT_LB_BAD_NODE');
  assert.match(record.error.message, /node n1 is left out of the upstream: its data is not JSON \("hello"\)/);
});

test('node record rejects a wildcard, portless or out-of-range client address', () => {
  for (const [address, why] of [['0.0.0.0:6000', /wildcard/], ['127.0.0.1', /no ":port"/], ['127.0.0.1:70000', /out of range/], ['bad host:1', /not an IP address or host name/]] as const) {
    const record = parseNodeRecord('n', json({ ...full, clientAddress: address }));
    assert.equal(record.ok, false, address);
    if (!record.ok) assert.match(record.error.message, why);
  }
});

test('node record rejects a weight nginx would refuse', () => {
  for (const weight of [0, -1, 1.5, '2', 1001]) {
    const record = parseNodeRecord('n', json({ ...full, weight }));
    assert.equal(record.ok, false, String(weight));
    if (!record.ok) assert.match(record.error.message, /weight is .*: nginx takes an integer from 1 to 1000/);
  }
});
