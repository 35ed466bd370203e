// Where a SQLite store's WAL checkpoints happen, and what they cost the writes: the same stream
// of saves and acknowledgements (`--per-turn` messages between random pairs of 1,000 users, their
// acknowledgements in the next turn, a pause of `--pace-ms` between turns) for `--seconds`, once
// with SQLite's own checkpoints (in the committing thread, every 1,000 pages) and once with the
// store's checkpoint thread (src/store/sqlite-checkpointer.ts). For each: messages a second, how
// long a turn's writes took to commit (p50, p99, max: a checkpoint in the event loop is a pause
// of every write waiting behind it), the event loop's longest pause (what every other user of
// the node waits: a write held for a checkpoint thread waits alone), how often the WAL started
// again from its beginning, and its longest length in frames, read from the WAL index
// (test/support/sqlite-wal-index.ts).
//
//   node dist/bench/chat/sqlite-checkpoints.js [--seconds 10] [--per-turn 16] [--pace-ms 1]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SqliteStore, sqliteFileName } from '../../src/store/sqlite-store.js';
import { walState } from '../../test/support/sqlite-wal-index.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    'per-turn': { type: 'string', default: '16' },
    'pace-ms': { type: 'string', default: '1' },
  },
});
const seconds = Number(values.seconds);
const perTurn = Math.max(1, Number(values['per-turn']));
const paceMs = Math.max(0, Number(values['pace-ms']));
const userCount = 1_000;

interface Outcome {
  messagesPerSecond: number;
  turnMs: { p50: number; p99: number; max: number };
  loopPauseMaxMs: number;
  restartsPerSecond: number;
  peakFrames: number;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

async function run(checkpointInBackground: boolean): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'dchat-checkpoints-'));
  const store = SqliteStore.openInDirectory(dir, { checkpointInBackground });
  const file = join(dir, sqliteFileName);
  try {
    await store.migrate();
    const users: number[] = [];
    for (let i = 0; i < userCount; i++) users.push((await store.createUser(`user${i}`, 'hash', 1))?.id ?? 0);
    const pick = (): number => users[Math.floor(Math.random() * users.length)] ?? 0;
    const turns: number[] = [];
    let messages = 0;
    let restarts = 0;
    let peakFrames = 0;
    let lastFrames = walState(file).frames;
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const startedMs = performance.now();
    const untilMs = startedMs + seconds * 1000;
    let acks: Promise<unknown>[] = [];
    while (performance.now() < untilMs) {
      const turnStartMs = performance.now();
      const saves = Array.from({ length: perTurn }, () => {
        const [from, to] = [pick(), pick()];
        return store.saveMessage({ fromId: from, toId: to, groupId: 0, text: `message ${messages++} of the checkpoint benchmark`, sentAtMs: 1, recipientIds: [to] });
      });
      const saved = await Promise.all([...saves, ...acks]);
      turns.push(performance.now() - turnStartMs);
      acks = saved.slice(0, perTurn).map((s) => {
        const { row } = s as Awaited<(typeof saves)[number]>;
        return store.ackPending(row.toId, [row.id]);
      });
      const { frames } = walState(file);
      if (frames < lastFrames) restarts++;
      lastFrames = frames;
      peakFrames = Math.max(peakFrames, frames);
      if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
    }
    await Promise.all(acks);
    loopDelay.disable();
    const elapsedS = (performance.now() - startedMs) / 1000;
    const sorted = [...turns].sort((a, b) => a - b);
    return {
      messagesPerSecond: messages / elapsedS,
      turnMs: { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? 0 },
      loopPauseMaxMs: loopDelay.max / 1e6,
      restartsPerSecond: restarts / elapsedS,
      peakFrames,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`SQLite checkpoints: ${seconds} s each, ${perTurn} messages a turn (saved, then acknowledged the next turn), ${paceMs} ms between turns`);
console.log('checkpoints            msg/s   turn p50 ms   p99 ms   max ms   loop pause max ms   WAL restarts/s   WAL peak frames');
for (const [name, background] of [["SQLite's own", false], ['checkpoint thread', true]] as const) {
  process.stderr.write(`  running ${seconds} s with ${name} checkpoints\n`);
  const o = await run(background);
  console.log(
    `${name.padEnd(18)} ${Math.round(o.messagesPerSecond).toLocaleString('en-US').padStart(9)} ${o.turnMs.p50.toFixed(2).padStart(13)} ${o.turnMs.p99.toFixed(2).padStart(8)} ${o.turnMs.max.toFixed(2).padStart(8)} ${o.loopPauseMaxMs.toFixed(2).padStart(19)} ${o.restartsPerSecond.toFixed(1).padStart(16)} ${o.peakFrames.toLocaleString('en-US').padStart(17)}`,
  );
}
