import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KdfQueue, type KdfOutcome } from './kdf-queue.js';

/** Work that finishes when the test says so, recording that it started. */
class Gate {
  readonly started: string[] = [];
  private readonly releases: (() => void)[] = [];
  work(name: string): () => Promise<string> {
    return () => {
      this.started.push(name);
      return new Promise((resolve) => this.releases.push(() => resolve(name)));
    };
  }
  async releaseNext(): Promise<void> {
    this.releases.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('KdfQueue', () => {
  it('runs at most concurrency jobs at once and starts the next when one finishes', async () => {
    let now = 0;
    const queue = new KdfQueue({ concurrency: 2, maxQueued: 10, maxWaitMs: 10_000 }, () => now);
    const gate = new Gate();
    const outcomes = ['a', 'b', 'c'].map((name) => queue.run('s', gate.work(name)));
    assert.deepEqual(gate.started, ['a', 'b']);
    assert.equal(queue.queuedCount(), 1);
    now = 100;
    await gate.releaseNext();
    assert.deepEqual(gate.started, ['a', 'b', 'c']);
    await gate.releaseNext();
    await gate.releaseNext();
    assert.deepEqual(await Promise.all(outcomes), ['a', 'b', 'c'].map((value) => ({ ok: true, value })));
  });

  it('lets sources take turns, so a newcomer waits for one job of each other source, not for all of them', async () => {
    const queue = new KdfQueue({ concurrency: 1, maxQueued: 10, maxWaitMs: 1_000_000 }, () => 0);
    const gate = new Gate();
    const outcomes: Promise<KdfOutcome<string>>[] = [];
    for (const name of ['flood-1', 'flood-2', 'flood-3', 'flood-4']) outcomes.push(queue.run('flood', gate.work(name)));
    outcomes.push(queue.run('newcomer', gate.work('newcomer')));
    for (let i = 0; i < 5; i++) await gate.releaseNext();
    assert.deepEqual(gate.started, ['flood-1', 'flood-2', 'newcomer', 'flood-3', 'flood-4']);
    await Promise.all(outcomes);
  });

  it('refuses a job on arrival, with a retry-after, when it would wait longer than maxWaitMs', async () => {
    const queue = new KdfQueue({ concurrency: 1, maxQueued: 10, maxWaitMs: 600 }, () => 0);
    const gate = new Gate();
    // The first KDF is assumed to take 250 ms: two more can start within 600 ms, a third cannot.
    const accepted = [queue.run('s', gate.work('1')), queue.run('s', gate.work('2')), queue.run('s', gate.work('3'))];
    const refused = await queue.run('s', gate.work('4'));
    assert.equal(refused.ok, false);
    assert.ok(!refused.ok && refused.retryAfterMs >= 100 && /maxWaitMs 600/.test(refused.why), JSON.stringify(refused));
    assert.deepEqual(gate.started, ['1']);
    for (let i = 0; i < 3; i++) await gate.releaseNext();
    assert.ok((await Promise.all(accepted)).every((o) => o.ok));
  });

  it('refuses a job on arrival when maxQueued jobs wait', async () => {
    const queue = new KdfQueue({ concurrency: 1, maxQueued: 1, maxWaitMs: 1_000_000 }, () => 0);
    const gate = new Gate();
    const accepted = [queue.run('a', gate.work('1')), queue.run('b', gate.work('2'))];
    const refused = await queue.run('c', gate.work('3'));
    assert.ok(!refused.ok && /maxQueued 1/.test(refused.why), JSON.stringify(refused));
    await gate.releaseNext();
    await gate.releaseNext();
    await Promise.all(accepted);
  });

  it('drops a job unrun whose wait passed maxWaitMs while the jobs ahead ran long', async () => {
    let now = 0;
    const queue = new KdfQueue({ concurrency: 1, maxQueued: 10, maxWaitMs: 1_000 }, () => now);
    const gate = new Gate();
    const first = queue.run('a', gate.work('slow'));
    const late = queue.run('b', gate.work('late'));
    now = 1_001;
    await gate.releaseNext();
    const outcome = await late;
    assert.ok(!outcome.ok && /dropped/.test(outcome.why), JSON.stringify(outcome));
    assert.deepEqual(gate.started, ['slow'], 'the dropped job never ran');
    assert.equal((await first).ok, true);
  });
});
