import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultMaxConnections, openFileLimit } from './descriptor-limit.js';

test('openFileLimit reads the soft limit from /proc/self/limits text', () => {
  const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                40000                files\n';
  assert.equal(openFileLimit(text), 20000);
  assert.equal(openFileLimit('Max open files            unlimited            unlimited            files\n'), undefined);
});

test('defaultMaxConnections keeps a tenth of the descriptors, and at least 256, for the rest of the process', () => {
  assert.equal(defaultMaxConnections(20000), 18000);
  assert.equal(defaultMaxConnections(1024), 768);
  assert.equal(defaultMaxConnections(100), 1);
});
