import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { describeRepositoryContract } from './repository.contract.js';
import type { ChatRepository } from './repository.js';
import { sql } from './repository-sql.js';
import { SqliteStore, sqliteFileName } from './sqlite-store.js';
import { StoreError } from './store-error.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dchat-sqlite-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeRepositoryContract(
  'sqlite',
  async () => {
    const store = SqliteStore.openInDirectory(tempDir());
    await store.migrate();
    return store;
  },
  (repo: ChatRepository) => repo.close(),
  { keysForGood: false },
);

describe('sqlite store', () => {
  it('creates the data directory and dchat.sqlite in it when they are missing', async () => {
    const dir = join(tempDir(), 'nested', 'data');
    const store = SqliteStore.openInDirectory(dir);
    try {
      assert.equal(store.file, join(dir, sqliteFileName));
      await store.migrate();
    } finally {
      await store.close();
    }
  });

  it('keeps its data across a close and a reopen', async () => {
    const dir = tempDir();
    const first = SqliteStore.openInDirectory(dir);
    await first.migrate();
    const alice = await first.createUser('alice', 'h', 1);
    await first.close();
    const second = SqliteStore.openInDirectory(dir);
    try {
      await second.migrate();
      assert.deepEqual(await second.findUserById(alice?.id ?? 0), alice);
    } finally {
      await second.close();
    }
  });

  it('refuses a file that is not a SQLite database with StoreError DCHAT_STORE_UNAVAILABLE naming the file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, sqliteFileName), 'this is not a database, just text long enough to have a header '.repeat(20));
    assert.throws(
      () => SqliteStore.openInDirectory(dir),
      (err: unknown) =>
        err instanceof StoreError && err.code === 'DCHAT_STORE_UNAVAILABLE' && err.message.includes(join(dir, sqliteFileName)),
    );
  });

  it('stores a group message\'s pending rows in one statement: a member named twice waits once, an unknown recipient undoes the save', async () => {
    const store = SqliteStore.openInDirectory(tempDir());
    try {
      await store.migrate();
      const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => store.createUser(name, 'h', 1)));
      assert.ok(a && b && c);
      const group = await store.createGroup('g', '', a.id, 1);
      assert.ok(group);
      const saved = await store.saveMessage({ fromId: a.id, toId: 0, groupId: group.id, text: 'hi', sentAtMs: 2, recipientIds: [b.id, c.id, b.id] });
      assert.deepEqual(await store.listPendingRecipients(saved.row.id), [b.id, c.id]);
      assert.deepEqual([await store.countPending(b.id), await store.countPending(c.id)], [1, 1]);
      assert.deepEqual(await store.usersWithPendingAtLeast([b.id, c.id], 2), []);

      await assert.rejects(
        store.saveMessage({ fromId: a.id, toId: 0, groupId: group.id, text: 'lost', sentAtMs: 3, recipientIds: [b.id, 999_999] }),
        (err: unknown) => err instanceof StoreError && err.code === 'DCHAT_STORE_FAILED',
      );
      assert.equal(await store.countPending(b.id), 1, 'the failed save left no pending row for b');
      assert.deepEqual((await store.history({ kind: 'group', groupId: group.id }, 0, 10)).map((m) => m.text), ['hi']);
    } finally {
      await store.close();
    }
  });

  it('reports a full database as StoreError DCHAT_STORE_FULL and keeps serving reads', async () => {
    const store = SqliteStore.openInDirectory(tempDir(), { maxDatabaseBytes: 256 * 1024 });
    try {
      await store.migrate();
      const a = await store.createUser('a', 'h', 1);
      const b = await store.createUser('b', 'h', 1);
      assert.ok(a && b);
      const big = 'x'.repeat(16 * 1024);
      let failure: unknown;
      for (let i = 0; i < 100 && failure === undefined; i++) {
        await store
          .saveMessage({ fromId: a.id, toId: b.id, groupId: 0, text: big, sentAtMs: i, recipientIds: [b.id] })
          .catch((err: unknown) => (failure = err));
      }
      assert.ok(failure instanceof StoreError, `expected a StoreError once the database was full, got ${String(failure)}`);
      assert.equal(failure.code, 'DCHAT_STORE_FULL');
      assert.match(failure.message, /SQLITE_FULL: .*is full: free space, then retry/);
      assert.equal((await store.findUserById(a.id))?.name, 'a');
    } finally {
      await store.close();
    }
  });
});

/** Gives the database in dir an older layout with layoutSql, then opens and migrates it as dchat would. */
async function migrateAfter(dir: string, layoutSql: string): Promise<void> {
  const raw = new Database(join(dir, sqliteFileName));
  raw.exec(layoutSql);
  raw.close();
  const store = SqliteStore.openInDirectory(dir);
  await store.migrate();
  await store.close();
}

describe('sqlite store migrate', () => {
  it('adds message.client_msg_id to a database made before it, keeping its messages, and drops the unique index of the layout after it', async () => {
    const dir = tempDir();
    const older = SqliteStore.openInDirectory(dir);
    await older.migrate();
    const a = await older.createUser('a', 'h', 1);
    const b = await older.createUser('b', 'h', 1);
    assert.ok(a && b);
    const { row: kept } = await older.saveMessage({ fromId: a.id, toId: b.id, groupId: 0, text: 'from before', sentAtMs: 1, recipientIds: [b.id] });
    await older.close();
    const raw = new Database(join(dir, sqliteFileName));
    raw.exec('DROP INDEX IF EXISTS message_client_msg_id');
    raw.exec('ALTER TABLE message DROP COLUMN client_msg_id');
    raw.close();

    const store = SqliteStore.openInDirectory(dir);
    try {
      await store.migrate();
      const first = await store.saveMessage({ fromId: a.id, toId: b.id, groupId: 0, text: 'keyed', sentAtMs: 2, recipientIds: [b.id], clientMsgId: 'k' });
      const again = await store.saveMessage({ fromId: a.id, toId: b.id, groupId: 0, text: 'keyed', sentAtMs: 3, recipientIds: [b.id], clientMsgId: 'k', isResend: true });
      assert.deepEqual(again, { row: first.row, isRepeat: true });
      assert.deepEqual((await store.listPending(b.id, 0, 10)).map((m) => m.text), [kept.text, 'keyed']);
    } finally {
      await store.close();
    }
    await migrateAfter(dir, 'CREATE UNIQUE INDEX message_client_msg_id ON message (sender_id, client_msg_id)');
    const check = new Database(join(dir, sqliteFileName), { readonly: true });
    try {
      const index = check.prepare("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = 'message_client_msg_id'").get();
      assert.equal(index, undefined, 'the unique index on (sender_id, client_msg_id) is gone');
    } finally {
      check.close();
    }
  });

  it('keeps direct messages out of the group index, which a group history page and a group deletion still use', async () => {
    const dir = tempDir();
    const store = SqliteStore.openInDirectory(dir);
    await store.migrate();
    const a = await store.createUser('a', 'h', 1);
    const b = await store.createUser('b', 'h', 1);
    assert.ok(a && b);
    const group = await store.createGroup('g', '', a.id, 1);
    assert.ok(group);
    await store.saveMessage({ fromId: a.id, toId: b.id, groupId: 0, text: 'direct', sentAtMs: 1, recipientIds: [b.id] });
    await store.saveMessage({ fromId: a.id, toId: 0, groupId: group.id, text: 'to the group', sentAtMs: 2, recipientIds: [] });
    await store.close();
    const check = new Database(join(dir, sqliteFileName), { readonly: true });
    try {
      const indexes = check.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'message' AND sql IS NOT NULL ORDER BY name").all() as { name: string; sql: string }[];
      assert.deepEqual(indexes.map((i) => i.name), ['message_direct', 'message_group_only']);
      assert.match(indexes.find((i) => i.name === 'message_group_only')?.sql ?? '', /WHERE group_id IS NOT NULL$/);
      const entries = check.prepare('SELECT COUNT(*) AS n FROM message INDEXED BY message_group_only WHERE group_id IS NOT NULL').get() as { n: number };
      assert.equal(entries.n, 1, 'only the group message is in it');
      const plan = (text: string, ...params: number[]): string => (check.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('; ');
      assert.match(plan(sql.groupHistory, group.id, 1_000, 0, 10), /USING INDEX message_group_only/);
      assert.match(plan(sql.deleteGroup[1] as string, group.id), /USING (COVERING )?INDEX message_group_only/);
    } finally {
      check.close();
    }
  });

  it('drops the recipient index and the full group index of a database made before the group index was partial', async () => {
    const dir = tempDir();
    const older = SqliteStore.openInDirectory(dir);
    await older.migrate();
    await older.close();
    await migrateAfter(dir, 'DROP INDEX message_group_only; CREATE INDEX message_group ON message (group_id, id); CREATE INDEX message_recipient ON message (recipient_id)');
    const check = new Database(join(dir, sqliteFileName), { readonly: true });
    try {
      const names = (check.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'message' AND sql IS NOT NULL ORDER BY name").all() as { name: string }[]).map((r) => r.name);
      assert.deepEqual(names, ['message_direct', 'message_group_only']);
    } finally {
      check.close();
    }
  });

  it("refuses a database holding the seed chat server's tables, naming the missing columns and the way out", async () => {
    const dir = tempDir();
    const seed = new Database(join(dir, sqliteFileName));
    seed.exec("CREATE TABLE user (id INTEGER PRIMARY KEY, name TEXT UNIQUE, password TEXT, state TEXT DEFAULT 'offline')");
    seed.exec('CREATE TABLE offlinemessage (userid INTEGER, message TEXT)');
    seed.close();
    const store = SqliteStore.openInDirectory(dir);
    try {
      await assert.rejects(store.migrate(), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.equal(err.code, 'DCHAT_STORE_FAILED');
        assert.match(err.message, /without user\.password_hash, user\.created_at, offlinemessage\.message_id/);
        assert.match(err.message, /point --db at a new database/);
        return true;
      });
    } finally {
      await store.close();
    }
  });

  it('answers usersWithPendingAtLeast for users it has counted from memory: rows another process adds are not counted', async () => {
    const dir = tempDir();
    const store = SqliteStore.openInDirectory(dir);
    try {
      await store.migrate();
      const alice = await store.createUser('alice', 'h', 1);
      const bob = await store.createUser('bob', 'h', 1);
      assert.ok(alice && bob);
      await store.saveMessage({ fromId: alice.id, toId: bob.id, groupId: 0, text: 'hi', sentAtMs: 1, recipientIds: [bob.id] });
      assert.deepEqual(await store.usersWithPendingAtLeast([bob.id], 1), [bob.id], 'counted once from the table');
      const other = new Database(join(dir, sqliteFileName));
      try {
        const id = Number(other.prepare('INSERT INTO message (sender_id, recipient_id, body, sent_at) VALUES (?, ?, ?, ?)').run(alice.id, bob.id, 'behind its back', 2).lastInsertRowid);
        other.prepare('INSERT INTO offlinemessage (userid, message_id) VALUES (?, ?)').run(bob.id, id);
      } finally {
        other.close();
      }
      assert.equal(await store.countPending(bob.id), 2, 'the table holds both');
      assert.deepEqual(await store.usersWithPendingAtLeast([bob.id], 2), [], 'the kept count moves only with its own writes');
    } finally {
      await store.close();
    }
  });
});
