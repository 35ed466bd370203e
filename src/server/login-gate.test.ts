import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginGate } from './login-gate.js';

/** A login that ends when its release() is called. */
function controlled(): { work: () => Promise<string>; release: (value: string) => void; started: () => boolean } {
  let release: (value: string) => void = () => undefined;
  let hasStarted = false;
  const done = new Promise<string>((resolve) => {
    release = resolve;
  });
  return {
    work: () => {
      hasStarted = true;
      return done;
    },
    release: (value) => release(value),
    started: () => hasStarted,
  };
}

test('at most `concurrency` logins run at once, and the others start first come, first served', async () => {
  const gate = new LoginGate({ concurrency: 2, maxQueued: 10, maxWaitMs: 10_000 });
  const logins = Array.from({ length: 5 }, () => controlled());
  const outcomes = logins.map((l) => gate.run(() => true, l.work));
  assert.deepEqual(logins.map((l) => l.started()), [true, true, false, false, false]);
  assert.deepEqual(gate.stats(), { running: 2, queued: 3 });
  logins[1]!.release('b');
  assert.deepEqual(await outcomes[1], { ok: true, value: 'b' });
  assert.deepEqual(logins.map((l) => l.started()), [true, true, true, false, false], 'the oldest waiter took the free place');
  logins[0]!.release('a');
  await outcomes[0];
  assert.deepEqual(logins.map((l) => l.started()), [true, true, true, true, false]);
  for (const l of logins.slice(2)) l.release('x');
  await Promise.all(outcomes);
  assert.deepEqual(gate.stats(), { running: 0, queued: 0 });
});

test('a login whose client left while it waited is not run', async () => {
  const gate = new LoginGate({ concurrency: 1, maxQueued: 10, maxWaitMs: 10_000 });
  const first = controlled();
  const gone = controlled();
  const next = controlled();
  const running = gate.run(() => true, first.work);
  const skipped = gate.run(() => false, gone.work);
  const waiting = gate.run(() => true, next.work);
  first.release('first');
  await running;
  const outcome = await skipped;
  assert.equal(outcome.ok, false);
  assert.equal(gone.started(), false, 'the work of a login nobody waits for is never done');
  assert.equal(next.started(), true);
  next.release('next');
  assert.deepEqual(await waiting, { ok: true, value: 'next' });
});

test('a login that waits maxWaitMs is refused with a retry-after, and never started late', async () => {
  const gate = new LoginGate({ concurrency: 1, maxQueued: 10, maxWaitMs: 50 });
  const first = controlled();
  const late = controlled();
  const running = gate.run(() => true, first.work);
  const outcome = await gate.run(() => true, late.work);
  assert.equal(outcome.ok, false);
  if (!outcome.ok) {
    assert.match(outcome.why, /waited 50 ms for its turn/);
    assert.ok(outcome.retryAfterMs >= 200 && outcome.retryAfterMs <= 4000, `retry after ${outcome.retryAfterMs} ms`);
  }
  first.release('first');
  await running;
  assert.equal(late.started(), false);
  assert.deepEqual(gate.stats(), { running: 0, queued: 0 });
});

test('past maxQueued a login is refused at once', async () => {
  const gate = new LoginGate({ concurrency: 1, maxQueued: 1, maxWaitMs: 10_000 });
  const first = controlled();
  const second = controlled();
  const running = gate.run(() => true, first.work);
  const queued = gate.run(() => true, second.work);
  const refused = await gate.run(() => true, controlled().work);
  assert.equal(refused.ok, false);
  if (!refused.ok) assert.match(refused.why, /1 resumes are waiting for their turn on this node \(maxQueued 1\)/);
  first.release('a');
  second.release('b');
  assert.deepEqual([await running, await queued], [{ ok: true, value: 'a' }, { ok: true, value: 'b' }]);
});

test('a login that fails frees its place for the next', async () => {
  const gate = new LoginGate({ concurrency: 1, maxQueued: 10, maxWaitMs: 10_000 });
  const failing = gate.run(() => true, () => Promise.reject(new Error('store down')));
  const next = gate.run(() => true, () => Promise.resolve('ok'));
  await assert.rejects(failing, /store down/);
  assert.deepEqual(await next, { ok: true, value: 'ok' });
});

test('a login that fails after waiting its turn fails for its caller, and frees its place', async () => {
  const gate = new LoginGate({ concurrency: 1, maxQueued: 10, maxWaitMs: 10_000 });
  const first = controlled();
  const running = gate.run(() => true, first.work);
  const failing = gate.run(() => true, () => Promise.reject(new Error('store down')));
  const next = gate.run(() => true, () => Promise.resolve('ok'));
  first.release('first');
  await running;
  await assert.rejects(failing, /store down/);
  assert.deepEqual(await next, { ok: true, value: 'ok' });
  assert.deepEqual(gate.stats(), { running: 0, queued: 0 });
});
