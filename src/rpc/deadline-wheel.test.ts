// The deadline wheel keeps no timer once nothing waits, and takes deadlines past setTimeout's
// limit (2^31-1 ms) without the 1 ms re-arming Node falls back to for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineWheel, type DeadlineEntry } from './deadline-wheel.js';

class Entry implements DeadlineEntry {
  deadlineIndex = -1;
  constructor(readonly name: string) {}
}

test('the timer goes when the last entry leaves, and comes back with the next one', () => {
  const wheel = new DeadlineWheel<Entry>(() => assert.fail('nothing should expire'));
  const a = new Entry('a');
  const b = new Entry('b');
  const handleA = wheel.add(a, performance.now() + 60_000);
  const handleB = wheel.add(b, performance.now() + 120_000);
  assert.equal(wheel.isArmed(), true);
  wheel.remove(a, handleA);
  assert.equal(wheel.size(), 1);
  assert.equal(wheel.isArmed(), true, 'b still waits');
  wheel.remove(b, handleB);
  assert.equal(wheel.size(), 0);
  assert.equal(wheel.isArmed(), false, 'no timer is left once no entry waits');
  const c = new Entry('c');
  wheel.remove(c, wheel.add(c, performance.now() + 1000));
  assert.equal(wheel.isArmed(), false);
});

test('a deadline 49 days away arms no overflowing timer and still expires what comes due', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.name);
  process.on('warning', onWarning);
  // The wheel's timer does not keep a process alive (unref): this does, while the test waits.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const expired: string[] = [];
    let resolveSoon: () => void = () => {};
    const soonExpired = new Promise<void>((resolve) => (resolveSoon = resolve));
    const wheel = new DeadlineWheel<Entry>((entry) => {
      expired.push(entry.name);
      if (entry.name === 'soon') resolveSoon();
    });
    const far = new Entry('far');
    const farHandle = wheel.add(far, performance.now() + (2 ** 32 - 1));
    wheel.add(new Entry('soon'), performance.now() + 20);
    await soonExpired;
    assert.deepEqual(expired, ['soon']);
    wheel.remove(far, farHandle);
    assert.equal(wheel.isArmed(), false);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warnings.filter((name) => name === 'TimeoutOverflowWarning'), []);
  } finally {
    clearInterval(keepAlive);
    process.off('warning', onWarning);
  }
});
