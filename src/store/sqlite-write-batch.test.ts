import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { SqliteWriteBatch } from './sqlite-write-batch.js';

function setup(): { db: Database.Database; batch: SqliteWriteBatch; commits: () => number; savepoints: () => number } {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  let commitCount = 0;
  let savepointCount = 0;
  // total_changes counts rows; a commit hook is not exposed, so count the outer transactions the batch opens.
  const original = db.transaction.bind(db);
  db.transaction = ((fn: (...args: unknown[]) => unknown) => {
    const wrapped = original(fn);
    return ((...args: unknown[]) => {
      const isOuter = !db.inTransaction;
      const result = wrapped(...args);
      if (isOuter) commitCount++;
      else savepointCount++;
      return result;
    }) as typeof wrapped;
  }) as typeof db.transaction;
  const batch = new SqliteWriteBatch(db, (error, action) => new Error(`${action}: ${String(error)}`));
  return { db, batch, commits: () => commitCount, savepoints: () => savepointCount };
}

test('sqlite write batch commits the writes of one turn in one transaction and resolves each with its own result', async () => {
  const { db, batch, commits } = setup();
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const ids = await Promise.all(['a', 'b', 'c'].map((v) => batch.run('insert', () => Number(insert.run(v).lastInsertRowid))));
  assert.deepEqual(ids, [1, 2, 3]);
  assert.equal(commits(), 1);
  assert.deepEqual(db.prepare('SELECT v FROM t ORDER BY id').pluck().all(), ['a', 'b', 'c']);
});

test('sqlite write batch opens no savepoint when no write of the turn fails', async () => {
  const { db, batch, savepoints } = setup();
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  await Promise.all(['a', 'b', 'c'].map((v) => batch.run('insert', () => insert.run(v))));
  assert.equal(savepoints(), 0);
});

test('sqlite write batch calls a write back once it is committed, before its promise resolves, and never a failed one', async () => {
  const { db, batch } = setup();
  const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  const seen: string[] = [];
  const results = await Promise.allSettled([
    batch.run('first', () => insert.run(1, 'kept').changes, (changes) => seen.push(`first committed ${changes}`)).then(() => seen.push('first resolved')),
    batch.run('second', () => insert.run(1, 'duplicate key').changes, () => seen.push('second committed')),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected']);
  assert.deepEqual(seen, ['first committed 1', 'first resolved']);
});

test('sqlite write batch fails a failing write alone and undoes only its own changes', async () => {
  const { db, batch } = setup();
  const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  const results = await Promise.allSettled([
    batch.run('first', () => insert.run(1, 'kept')),
    batch.run('second', () => {
      insert.run(2, 'undone');
      insert.run(1, 'duplicate key');
    }),
    batch.run('third', () => insert.run(3, 'kept too')),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  const second = results[1];
  assert.ok(second?.status === 'rejected' && /second: .*UNIQUE/.test(String(second.reason)));
  assert.deepEqual(db.prepare('SELECT id FROM t ORDER BY id').pluck().all(), [1, 3]);
});

test('sqlite write batch flush commits what is queued at once, for a database about to close', async () => {
  const { db, batch } = setup();
  const pending = batch.run('insert', () => db.prepare('INSERT INTO t (v) VALUES (?)').run('x'));
  batch.flush();
  assert.equal(db.prepare('SELECT COUNT(*) FROM t').pluck().get(), 1);
  await pending;
});
