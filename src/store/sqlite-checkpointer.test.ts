import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { walState } from '../../test/support/sqlite-wal-index.js';
import { enableMetrics, metricsRegistry } from '../base/metrics.js';
import { waitFor } from '../../test/support/wait.js';
import Database from 'better-sqlite3';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';
import { SqliteStore, sqliteFileName } from './sqlite-store.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function storeWithUsers(options: Parameters<typeof SqliteStore.openInDirectory>[1]): Promise<{ store: SqliteStore; file: string; ids: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'dchat-checkpoint-'));
  dirs.push(dir);
  const store = SqliteStore.openInDirectory(dir, options);
  await store.migrate();
  const ids: number[] = [];
  for (const name of ['alice', 'bob', 'carol']) ids.push((await store.createUser(name, 'h', 1))?.id ?? 0);
  return { store, file: join(dir, sqliteFileName), ids };
}

describe('sqlite checkpointer', () => {
  it('copies the WAL into the database file from its own thread a moment after a few commits, where SQLite waits for 1,000 pages', async () => {
    const { store, file, ids } = await storeWithUsers({ checkpointIntervalMs: 20 });
    try {
      const [alice = 0, bob = 0] = ids;
      for (let i = 0; i < 5; i++) await store.saveMessage({ fromId: alice, toId: bob, groupId: 0, text: `m${i}`, sentAtMs: i, recipientIds: [bob] });
      assert.ok(walState(file).frames > 0, 'the commits are in the WAL');
      const state = await waitFor(
        () => {
          const now = walState(file);
          return now.copied === now.frames && now;
        },
        5_000,
        'every frame of the WAL to be copied into the database file',
      );
      assert.ok(state.frames < 1_000, `a WAL of ${state.frames} frames, under SQLite's own threshold`);
    } finally {
      await store.close();
    }
    assert.equal(existsSync(`${file}-wal`), false, 'the store closes last, so its close checkpoints and removes the WAL');
  });

  it('restarts a WAL that outgrows restartWalAboveFrames from the store thread, and the WAL starts again from its beginning', async () => {
    enableMetrics();
    const restartsByStore = async (): Promise<number> =>
      Number(/^dchat_sqlite_wal_restarts_total (\d+)$/m.exec(await metricsRegistry.getSingleMetricAsString('dchat_sqlite_wal_restarts_total'))?.[1] ?? 0);
    const before = await restartsByStore();
    const limit = 64;
    const { store, file, ids } = await storeWithUsers({ checkpointIntervalMs: 5, restartWalAboveFrames: limit });
    try {
      const [alice = 0, bob = 0, carol = 0] = ids;
      let restarts = 0;
      let last = walState(file).frames;
      let saved = 0;
      let peak = 0;
      await waitFor(
        async () => {
          // A turn's worth of writes, then the next at once.
          await Promise.all(
            Array.from({ length: 16 }, (_, i) =>
              store.saveMessage({ fromId: alice, toId: i % 2 ? bob : carol, groupId: 0, text: `message ${saved++}`, sentAtMs: saved, recipientIds: [i % 2 ? bob : carol] }),
            ),
          );
          const { frames } = walState(file);
          if (frames < last) restarts++;
          peak = Math.max(peak, frames);
          last = frames;
          // The WAL may also start again by itself when the checkpoint thread catches up between two commits.
          return restarts >= 3 && (await restartsByStore()) > before;
        },
        20_000,
        'the WAL to start again three times, once at least restarted by the store thread',
        0,
      );
      assert.ok(peak < 4_000, `the WAL reached ${peak} frames with a limit of ${limit}`);
    } finally {
      await store.close();
    }
  });

  it('leaves the checkpoints to SQLite when asked to: nothing is copied before 1,000 pages', async () => {
    const { store, file, ids } = await storeWithUsers({ checkpointInBackground: false });
    try {
      const [alice = 0, bob = 0] = ids;
      for (let i = 0; i < 5; i++) await store.saveMessage({ fromId: alice, toId: bob, groupId: 0, text: `m${i}`, sentAtMs: i, recipientIds: [bob] });
      const { frames, copied } = walState(file);
      assert.ok(frames > 0 && frames < 1_000);
      assert.equal(copied, 0, 'SQLite has not checkpointed yet');
    } finally {
      await store.close();
    }
  });

  it('gives the checkpoints back to SQLite when its thread cannot do them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dchat-checkpoint-'));
    dirs.push(dir);
    const db = new Database(join(dir, 'store.sqlite'));
    try {
      db.pragma('journal_mode = WAL');
      // The thread's connection cannot open this file, so the thread fails as it starts.
      const checkpointer = new SqliteCheckpointer(db, { file: join(dir, 'missing.sqlite'), intervalMs: 20, restartAboveFrames: 64 });
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0, 'the store thread runs no checkpoint while the worker does');
      await waitFor(() => db.pragma('wal_autocheckpoint', { simple: true }) === 1000, 5_000, "SQLite's own checkpoints to be back");
      await checkpointer.stop();
    } finally {
      db.close();
    }
  });
});
