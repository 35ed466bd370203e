import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxPaceWaitMs, SendRateLimiter } from './send-rate.js';

describe('send rate limiter', () => {
  it('lets a burst of twice the rate go, then paces each send a token apart', () => {
    let now = 1_000;
    const limiter = new SendRateLimiter({ messagesPerSecond: 4, groupSendsPerSecond: 1 }, () => now);
    for (let i = 0; i < 8; i++) assert.deepEqual(limiter.take(7, false), { kind: 'go' }, `send ${i} of the burst`);
    assert.deepEqual(limiter.take(7, false), { kind: 'wait', ms: 250 });
    assert.deepEqual(limiter.take(7, false), { kind: 'wait', ms: 500 });
    now += 500;
    assert.deepEqual(limiter.take(7, false), { kind: 'wait', ms: 250 }, 'the two promised tokens came; the next is a quarter second away');
    assert.deepEqual(limiter.take(8, false), { kind: 'go' }, 'another sender has a bucket of its own');
  });

  it('paces group sends by their own rate, and counts them as messages too', () => {
    const limiter = new SendRateLimiter({ messagesPerSecond: 100, groupSendsPerSecond: 1 }, () => 0);
    assert.deepEqual(limiter.take(1, true), { kind: 'go' });
    assert.deepEqual(limiter.take(1, true), { kind: 'go' });
    assert.deepEqual(limiter.take(1, true), { kind: 'wait', ms: 1000 });
    assert.deepEqual(limiter.take(1, false), { kind: 'go' }, 'a direct message is not held back by the group rate');
  });

  it('refuses a send that would wait longer than maxPaceWaitMs, and gives its token back', () => {
    const limiter = new SendRateLimiter({ messagesPerSecond: 1, groupSendsPerSecond: 1 }, () => 0);
    let pace = limiter.take(1, false);
    while (pace.kind !== 'refuse') pace = limiter.take(1, false);
    assert.match(pace.reason, /^you are sending faster than 1 messages per second, with more than 10000 ms of sends waiting; this one was not sent: send it again in \d+ ms$/);
    assert.deepEqual(limiter.take(1, false), { kind: 'refuse', reason: pace.reason }, 'the refused send took nothing');
    assert.ok(maxPaceWaitMs >= 1000);
  });
});
