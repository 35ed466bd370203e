import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallTable } from './call-table.js';

interface Entry {
  callId: number;
}

test('call table agrees with a Map through 200,000 random adds and deletes of clustered and scattered ids', () => {
  let seed = 12345;
  const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const table = new CallTable<Entry>();
  const reference = new Map<number, Entry>();
  let nextId = 0xfffffff0; // wraps past 2^32 on the way
  for (let step = 0; step < 200_000; step++) {
    const r = next() % 100;
    if (r < 50 || reference.size === 0) {
      const id = r < 40 ? (nextId = (nextId + 1) >>> 0) : next();
      if (reference.has(id)) continue;
      const entry = { callId: id };
      table.add(entry);
      reference.set(id, entry);
    } else {
      const ids = [...reference.keys()];
      const id = r < 95 ? ids[next() % Math.min(ids.length, 8)]! : next();
      assert.equal(table.delete(id), reference.get(id), `delete ${id} at step ${step}`);
      reference.delete(id);
    }
    if (step % 997 === 0) {
      assert.equal(table.size, reference.size);
      for (const [id, entry] of reference) assert.equal(table.get(id), entry, `get ${id} at step ${step}`);
      assert.equal(table.values().length, reference.size);
    }
  }
});

test('call table grows for a burst of 10,000 calls in flight and shrinks once they are answered', () => {
  const table = new CallTable<Entry>();
  for (let id = 1; id <= 10_000; id++) table.add({ callId: id });
  for (let id = 1; id <= 10_000; id++) assert.equal(table.get(id)?.callId, id);
  assert.equal(table.get(10_001), undefined);
  for (let id = 1; id <= 9_990; id++) assert.equal(table.delete(id)?.callId, id);
  assert.equal(table.size, 10);
  for (let id = 9_991; id <= 10_000; id++) assert.ok(table.has(id), `call ${id} is still in flight`);
  assert.equal(table.delete(5), undefined);
});
