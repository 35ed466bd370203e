import { test } from 'node:test';
import assert from 'node:assert/strict';
import { longestJoined, RollingLedger } from './rolling-ledger.js';

test('longestJoined joins overlapping and touching waits and returns the longest stretch', () => {
  assert.equal(longestJoined([]), 0);
  assert.equal(longestJoined([[10, 20]]), 10);
  assert.equal(longestJoined([[50, 60], [10, 20], [15, 30], [30, 35]]), 25);
  assert.equal(longestJoined([[0, 100], [10, 20]]), 100);
});

test('the ledger counts a message answered "sent" and never shown as lost, and one shown twice as duplicated', () => {
  const ledger = new RollingLedger();
  ledger.onEvent({ e: 'ack', id: 1, from: 7, to: 8, t0: 1000, t1: 1010 });
  ledger.onEvent({ e: 'ack', id: 2, from: 7, to: 9, t0: 1000, t1: 1010 });
  ledger.onEvent({ e: 'show', id: 1, to: 8, t: 1050 });
  ledger.onEvent({ e: 'show', id: 1, to: 8, t: 1060 });
  assert.deepEqual(ledger.lost(), [{ id: 2, to: 9 }]);
  assert.equal(ledger.duplicated(), 1);
});

test('a client\'s longest gap joins a cut-off with the messages waiting for it meanwhile', () => {
  const ledger = new RollingLedger();
  ledger.onEvent({ e: 'down', user: 8, t: 1000, why: 'the connection was lost' });
  ledger.onEvent({ e: 'ack', id: 1, from: 7, to: 8, t0: 1200, t1: 1210 });
  ledger.onEvent({ e: 'up', user: 8, t: 1500, kickedAt: 990, connectedAt: 1300, backoffMs: 100 });
  ledger.onEvent({ e: 'show', id: 1, to: 8, t: 1700 });
  const gaps = ledger.gaps([7, 8], 600);
  assert.equal(gaps.worst[0]?.user, 8);
  assert.equal(gaps.maxMs, 700, 'cut off 1000-1500, then waiting for message 1 until 1700');
  assert.equal(gaps.over, 1);
  assert.deepEqual(ledger.phases, { kickToLost: [10], backoff: [100], lostToConnected: [300], connectedToUp: [200] });
});
