import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byId, newestOfBoth } from './repository-sql.js';

const rows = (...ids: number[]): { id: number }[] => ids.map((id) => ({ id }));

test('newestOfBoth merges two newest-first lists and keeps the newest limit', () => {
  assert.deepEqual(newestOfBoth(rows(9, 5, 2), rows(8, 7, 1), 4), rows(9, 8, 7, 5));
  assert.deepEqual(newestOfBoth(rows(9, 5, 2), rows(8, 7, 1), 10), rows(9, 8, 7, 5, 2, 1));
  assert.deepEqual(newestOfBoth(rows(), rows(3, 1), 5), rows(3, 1));
  assert.deepEqual(newestOfBoth(rows(4), rows(), 5), rows(4));
  assert.deepEqual(newestOfBoth(rows(4, 3), rows(2), 0), []);
});

test('byId sorts rows oldest first', () => {
  assert.deepEqual(rows(5, 1, 3).sort(byId), rows(1, 3, 5));
});
