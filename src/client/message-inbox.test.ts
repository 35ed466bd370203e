import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { MessageInbox, maxIdsPerAck } from './message-inbox.js';

/** An inbox on a clock the test moves, with node:test's mock timers; acks recorded. */
function inboxOnClock(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout', 'setImmediate'] });
  let nowMs = 1_000;
  const acks: number[][] = [];
  const inbox = new MessageInbox((ids) => acks.push(ids), 100_000, 250, () => nowMs);
  const advance = (ms: number): void => {
    nowMs += ms;
    t.mock.timers.tick(ms);
  };
  return { inbox, acks, advance, turn: () => t.mock.timers.tick(0) };
}

test('message inbox acknowledges a message after a quiet spell on the next turn, with the others of its read', (t) => {
  const { inbox, acks, turn } = inboxOnClock(t);
  assert.equal(inbox.accept({ id: 7 }), true);
  assert.equal(inbox.accept({ id: 8 }), true);
  assert.deepEqual(acks, [], 'not before the turn ends');
  turn();
  assert.deepEqual(acks, [[7, 8]]);
});

test('message inbox gathers what comes within the interval after an ack into one ack, sent when the interval has passed', (t) => {
  const { inbox, acks, advance, turn } = inboxOnClock(t);
  inbox.accept({ id: 1 });
  turn();
  assert.deepEqual(acks, [[1]]);
  for (let id = 2; id <= 6; id++) {
    advance(40); // a busy conversation: a message every 40 ms
    inbox.accept({ id });
    turn();
  }
  assert.deepEqual(acks, [[1]], 'five messages within 250 ms of the first ack: none acknowledged yet');
  advance(50); // 250 ms since the ack
  assert.deepEqual(acks, [[1], [2, 3, 4, 5, 6]]);
  advance(1_000); // quiet again
  inbox.accept({ id: 9 });
  turn();
  assert.deepEqual(acks.at(-1), [9], 'after a quiet spell, at once again');
});

test('message inbox acknowledges a repeat too, shows it once, and sends a full ack at once', (t) => {
  const { inbox, acks, turn } = inboxOnClock(t);
  inbox.accept({ id: 1 });
  turn();
  assert.equal(inbox.accept({ id: 1 }), false, 'a replayed message is not shown again');
  for (let id = 2; id <= maxIdsPerAck; id++) inbox.accept({ id });
  assert.equal(acks.length, 2, `${maxIdsPerAck} ids waiting go out without waiting for the interval`);
  assert.equal(acks[1]?.length, maxIdsPerAck);
  assert.deepEqual(acks[1]?.slice(0, 2), [1, 2]);
});

test('message inbox sends what is gathering when flushed, as before its connection closes', (t) => {
  const { inbox, acks, turn } = inboxOnClock(t);
  inbox.accept({ id: 1 });
  turn();
  inbox.accept({ id: 2 });
  inbox.flush();
  assert.deepEqual(acks, [[1], [2]]);
  t.mock.timers.runAll();
  assert.deepEqual(acks, [[1], [2]], 'and nothing twice');
});
