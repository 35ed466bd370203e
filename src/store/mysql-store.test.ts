import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import Database from 'better-sqlite3';
import { startMariaDb, type MariaDbHandle } from '../../test/support/mariadb.js';
import { startMySqlCommandCounter } from '../../test/support/mysql-command-counter.js';
import { waitFor } from '../../test/support/wait.js';
import { freeLoopbackPort } from '../up/free-ports.js';
import { MySqlStore, type MySqlStoreOptions } from './mysql-store.js';
import { maxQueryChars } from './mysql-write-batch.js';
import { openStore } from './open-store.js';
import { describeRepositoryContract } from './repository.contract.js';
import type { ChatRepository, SavedMessage } from './repository.js';
import { SqliteStore } from './sqlite-store.js';
import { StoreError } from './store-error.js';
import type { MySqlLocation } from './store-url.js';

let server: MariaDbHandle | undefined;
let databases = 0;

function location(database: string): MySqlLocation {
  if (!server) throw new Error('MariaDB did not start: see the error of the before hook');
  return { kind: 'mysql', host: server.host, port: server.port, user: 'root', password: '', database };
}

before(async () => {
  server = await startMariaDb();
});
after(async () => {
  await server?.stop();
});

describeRepositoryContract(
  'mysql',
  async () => {
    const store = new MySqlStore(location(`dchat_contract_${++databases}`), { connectionLimit: 4 });
    await store.migrate();
    return store;
  },
  (repo: ChatRepository) => repo.close(),
  { keysForGood: true },
);

type Columns = Map<string, string[]>;

async function mysqlColumns(database: string): Promise<Columns> {
  const conn = await mysql.createConnection({ host: server?.host, port: server?.port, user: 'root' });
  try {
    const [rows] = await conn.execute<mysql.RowDataPacket[]>(
      'SELECT TABLE_NAME AS t, COLUMN_NAME AS c, IS_NULLABLE AS n FROM information_schema.COLUMNS ' +
        'WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION',
      [database],
    );
    const tables: Columns = new Map();
    for (const row of rows) {
      const column = `${String(row['c'])}${row['n'] === 'YES' ? ' NULL' : ''}`;
      tables.set(String(row['t']), [...(tables.get(String(row['t'])) ?? []), column]);
    }
    return tables;
  } finally {
    await conn.end();
  }
}

async function sqliteColumns(): Promise<Columns> {
  const dir = mkdtempSync(join(tmpdir(), 'dchat-schema-'));
  try {
    const store = SqliteStore.openInDirectory(dir);
    await store.migrate();
    await store.close();
    const db = new Database(store.file, { readonly: true });
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .all() as { name: string }[];
      const info = db.prepare('SELECT name, "notnull" AS isRequired, pk FROM pragma_table_info(?) ORDER BY cid');
      const columns: Columns = new Map();
      for (const { name } of tables) {
        const rows = info.all(name) as { name: string; isRequired: number; pk: number }[];
        columns.set(name, rows.map((r) => `${r.name}${r.isRequired || r.pk ? '' : ' NULL'}`));
      }
      return columns;
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('mysql store', () => {
  it('has the same tables and columns (with the same nullability) as the sqlite store', async () => {
    const store = new MySqlStore(location('dchat_schema_sync'));
    await store.migrate();
    await store.close();
    const fromMySql = await mysqlColumns('dchat_schema_sync');
    assert.deepEqual([...fromMySql.keys()].sort(), ['allgroup', 'friend', 'friendrequest', 'groupjoin', 'groupuser', 'message', 'offlinemessage', 'session_token', 'user']);
    assert.deepEqual(Object.fromEntries(await sqliteColumns()), Object.fromEntries(fromMySql));
  });

  it('saves the resume tokens of many logins at once: a deadlock between them is run again, not failed', async () => {
    const store = new MySqlStore(location(`dchat_token_storm_${++databases}`), { connectionLimit: 16 });
    try {
      await store.migrate();
      const users = await Promise.all(Array.from({ length: 60 }, (_, i) => store.createUser(`storm-${i}`, 'h', 1)));
      const now = Date.now();
      // Several logins of each user at once, as a reconnect storm brings them: the surplus delete
      // and the inserts of neighbouring users take gap locks on the same index.
      const saves = users.flatMap((user, i) =>
        Array.from({ length: 6 }, (_, k) => store.saveSessionToken({ userId: user?.id ?? 0, tokenHash: `${i}-${k}`.padEnd(64, '0'), createdAtMs: now + k, expiresAtMs: now + 60_000 }, 5)),
      );
      const outcomes = await Promise.allSettled(saves);
      const failures = outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason));
      assert.deepEqual(failures.slice(0, 3), [], `${failures.length} of ${saves.length} saves failed`);
      for (const user of users) assert.ok((await store.listSessionTokens(user?.id ?? 0, now)).length <= 5, 'each user keeps at most 5 tokens');
    } finally {
      await store.close();
    }
  });

  it('openStore creates the database of a mysql:// URL when it is missing, and migrate is idempotent', async () => {
    const url = `mysql://root@${server?.host}:${server?.port}/dchat_fresh`;
    const first = await openStore({ db: url, dataDir: '/nonexistent' });
    const alice = await first.createUser('alice', 'h', 1);
    await first.close();
    const second = await openStore({ db: url, dataDir: '/nonexistent' });
    try {
      assert.deepEqual(await second.findUserById(alice?.id ?? 0), alice);
    } finally {
      await second.close();
    }
  });

  it('openStore rejects with DCHAT_STORE_UNAVAILABLE naming host:port and the fix when nothing listens there', async () => {
    const closedPort = await freeLoopbackPort();
    await assert.rejects(openStore({ db: `mysql://root@127.0.0.1:${closedPort}/dchat`, dataDir: '/nonexistent' }), (err: unknown) => {
      assert.ok(err instanceof StoreError);
      assert.equal(err.code, 'DCHAT_STORE_UNAVAILABLE');
      assert.match(err.message, new RegExp(`MySQL at 127\\.0\\.0\\.1:${closedPort} refused the connection: is it running\\?`));
      assert.match(err.message, /dchat up --cluster/);
      return true;
    });
  });
});

describe('mysql store migrate', () => {
  it("refuses a database holding the seed chat server's tables, naming the missing columns and the way out", async () => {
    const conn = await mysql.createConnection({ host: server?.host, port: server?.port, user: 'root', multipleStatements: true });
    try {
      await conn.query(
        'CREATE DATABASE dchat_seed; USE dchat_seed; ' +
          "CREATE TABLE user (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(50) NOT NULL UNIQUE, password VARCHAR(50) NOT NULL, state ENUM('online','offline') DEFAULT 'offline') ENGINE=InnoDB; " +
          'CREATE TABLE offlinemessage (userid INT NOT NULL, message VARCHAR(500) NOT NULL) ENGINE=InnoDB;',
      );
    } finally {
      await conn.end();
    }
    const store = new MySqlStore(location('dchat_seed'));
    try {
      await assert.rejects(store.migrate(), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.equal(err.code, 'DCHAT_STORE_FAILED');
        assert.match(err.message, /MySQL database dchat_seed at 127\.0\.0\.1:\d+ has tables of an older layout/);
        assert.match(err.message, /without user\.password_hash, user\.created_at, offlinemessage\.message_id/);
        return true;
      });
    } finally {
      await store.close();
    }
  });
});

describe('mysql store migrate of a database made before message idempotency keys', () => {
  it('adds message.client_msg_id and its unique key (ALTER TABLE), keeping the messages', async () => {
    const older = new MySqlStore(location('dchat_before_keys'));
    const fresh = new MySqlStore(location('dchat_with_keys'));
    try {
      await fresh.migrate();
      await older.migrate();
      const a = await older.createUser('a', 'h', 1);
      const b = await older.createUser('b', 'h', 1);
      assert.ok(a && b);
      await older.saveMessage({ fromId: a.id, toId: b.id, groupId: 0, text: 'from before', sentAtMs: 1, recipientIds: [b.id] });
      const raw = await mysql.createConnection({ host: server?.host, port: server?.port, user: 'root', database: 'dchat_before_keys' });
      await raw.query('ALTER TABLE message DROP KEY message_client_msg_id, DROP COLUMN client_msg_id');
      await raw.end();
      assert.deepEqual((await mysqlColumns('dchat_before_keys')).get('message')?.includes('client_msg_id NULL'), false);

      await older.migrate();
      const first = await older.saveMessage({ fromId: a.id, toId: b.id, groupId: 0, text: 'keyed', sentAtMs: 2, recipientIds: [b.id], clientMsgId: 'k' });
      const again = await older.saveMessage({ fromId: a.id, toId: b.id, groupId: 0, text: 'keyed', sentAtMs: 3, recipientIds: [b.id], clientMsgId: 'k' });
      assert.deepEqual(again, { row: first.row, isRepeat: true });
      assert.deepEqual((await older.listPending(b.id, 0, 10)).map((m) => m.text), ['from before', 'keyed']);
      assert.deepEqual(Object.fromEntries(await mysqlColumns('dchat_before_keys')), Object.fromEntries(await mysqlColumns('dchat_with_keys')));
      const probe = await mysql.createConnection({ host: server?.host, port: server?.port, user: 'root' });
      const [keys] = await probe.execute<mysql.RowDataPacket[]>(
        'SELECT COLUMN_NAME AS c, NON_UNIQUE AS n FROM information_schema.STATISTICS ' +
          "WHERE TABLE_SCHEMA = ? AND INDEX_NAME = 'message_client_msg_id' ORDER BY SEQ_IN_INDEX",
        ['dchat_before_keys'],
      );
      await probe.end();
      assert.deepEqual(keys.map((k) => [String(k['c']), Number(k['n'])]), [['sender_id', 0], ['client_msg_id', 0]]);
    } finally {
      await older.close();
      await fresh.close();
    }
  });
});

describe('mysql store when the server goes away', () => {
  it('rejects with DCHAT_STORE_UNAVAILABLE while the server is down and serves again once it is back', async () => {
    const own = await startMariaDb();
    const store = await openStore({ db: own.url, dataDir: '/nonexistent' });
    try {
      const alice = await store.createUser('alice', 'h', 1);
      assert.ok(alice);
      await own.crash();
      await assert.rejects(store.findUserById(alice.id), (err: unknown) => {
        assert.ok(err instanceof StoreError, `expected a StoreError, got ${String(err)}`);
        assert.equal(err.code, 'DCHAT_STORE_UNAVAILABLE');
        assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${own.port}`));
        return true;
      });
      await own.restart();
      assert.deepEqual(await store.findUserById(alice.id), alice);
    } finally {
      await store.close();
      await own.stop();
    }
  });
});

describe('mysql store message writes', () => {
  async function commits(): Promise<number> {
    const conn = await mysql.createConnection({ host: server?.host, port: server?.port, user: 'root' });
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Com_commit'");
      return Number(rows[0]?.['Value'] ?? Number.NaN);
    } finally {
      await conn.end();
    }
  }

  /** A store in a database of its own, holding users alice and bob. */
  async function storeWithAliceAndBob(): Promise<{ store: MySqlStore; alice: { id: number }; bob: { id: number } }> {
    const store = new MySqlStore(location(`dchat_batch_${++databases}`), { connectionLimit: 4 });
    await store.migrate();
    const alice = await store.createUser('alice', 'hash', 1);
    const bob = await store.createUser('bob', 'hash', 1);
    assert.ok(alice && bob);
    return { store, alice, bob };
  }

  /**
   * Alice and Bob's database, through a relay that counts (and can hold back the answers to) the
   * commands of a store opened with `options`; `save` sends Alice's message to Bob under a cap of 100.
   */
  async function countedStoreWithAliceAndBob(options: MySqlStoreOptions = {}) {
    const { store: setup, alice, bob } = await storeWithAliceAndBob();
    const database = setup.location.database;
    await setup.close();
    const counter = await startMySqlCommandCounter(server?.port ?? 0);
    const store = new MySqlStore({ ...location(database), port: counter.port }, { connectionLimit: 4, ...options });
    const save = (text: string): Promise<SavedMessage | 'recipient-full'> =>
      store.saveMessageUnlessFull({ fromId: alice.id, toId: bob.id, groupId: 0, text, sentAtMs: 1, recipientIds: [bob.id] }, 100);
    const close = async (): Promise<void> => {
      counter.release();
      await store.close();
      await counter.close();
    };
    return { store, counter, alice, bob, save, close };
  }

  it('commits the message saves and acks of one turn in one transaction', async () => {
    const { store, alice, bob } = await storeWithAliceAndBob();
    try {
      const before = await commits();
      const saved = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.saveMessage({ fromId: alice.id, toId: bob.id, groupId: 0, text: `m${i}`, sentAtMs: i, recipientIds: [bob.id] })),
      );
      assert.equal((await commits()) - before, 1, 'twenty saves of one turn, one COMMIT');
      assert.deepEqual(saved.map((s) => s.row.text), Array.from({ length: 20 }, (_, i) => `m${i}`));
      const removed = await Promise.all(saved.slice(0, 10).map((s) => store.ackPending(bob.id, [s.row.id])));
      assert.deepEqual(removed, new Array<number>(10).fill(1));
      assert.equal((await store.listPending(bob.id, 0, 100)).length, 10);
    } finally {
      await store.close();
    }
  });

  it('sends a turn whose texts pass maxQueryChars as several queries, and stores every message in order', async () => {
    const { store, alice, bob } = await storeWithAliceAndBob();
    try {
      const longest = '😀'.repeat(4096); // 16 KiB of UTF-8, twice that as a hex literal
      const count = Math.ceil((3 * maxQueryChars) / (2 * Buffer.byteLength(longest)));
      const before = await commits();
      const saved = await Promise.all(
        Array.from({ length: count }, (_, i) => store.saveMessage({ fromId: alice.id, toId: bob.id, groupId: 0, text: `${i} ${longest}`, sentAtMs: i, recipientIds: [bob.id] })),
      );
      const queries = (await commits()) - before;
      assert.ok(queries >= 3 && queries <= 4, `${count} long saves of one turn in 3-4 queries, not ${queries}`);
      const ids = saved.map((s) => s.row.id);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ids in the order the saves came');
      assert.equal((await store.listPending(bob.id, 0, 1000)).length, count);
    } finally {
      await store.close();
    }
  });

  it('removes an acknowledgement alone in its turn with its DELETE alone: no BEGIN, no COMMIT', async () => {
    const { store, alice, bob } = await storeWithAliceAndBob();
    try {
      const saved = await store.saveMessage({ fromId: alice.id, toId: bob.id, groupId: 0, text: 'read me', sentAtMs: 1, recipientIds: [bob.id] });
      const before = await commits();
      assert.equal(await store.ackPending(bob.id, [saved.row.id]), 1);
      assert.equal((await commits()) - before, 0, 'the DELETE committed by itself');
      assert.deepEqual(await store.listPending(bob.id, 0, 100), [], 'and its row is gone');
      assert.equal(await store.ackPending(bob.id, [saved.row.id]), 0, 'a second acknowledgement removes nothing');
    } finally {
      await store.close();
    }
  });

  it('saves a message alone in its turn in one round trip: the pending-cap count, the message, its pending row and the commit', async () => {
    const { store, counter, alice, bob, close } = await countedStoreWithAliceAndBob();
    try {
      const message = { fromId: alice.id, toId: bob.id, groupId: 0, sentAtMs: 1, recipientIds: [bob.id] };
      assert.notEqual(await store.saveMessageUnlessFull({ ...message, text: 'first' }, 10), 'recipient-full');
      counter.reset();
      const before = await commits();
      const saved = await store.saveMessageUnlessFull({ ...message, text: "it's \\' -- 😀 ; COMMIT" }, 10);
      assert.ok(saved !== 'recipient-full');
      assert.equal(counter.commands(), 1, 'one query for the count, both inserts and the commit');
      assert.equal((await commits()) - before, 1);
      assert.deepEqual((await store.listPending(bob.id, 0, 10)).map((m) => m.text), ['first', "it's \\' -- 😀 ; COMMIT"], 'the text is stored as sent');
      counter.reset();
      assert.equal(await store.ackPending(bob.id, [saved.row.id]), 1);
      assert.equal(counter.commands(), 1, 'and one DELETE for its acknowledgement');
      counter.reset();
      const group = await store.createGroup('g', '', alice.id, 1);
      assert.ok(group);
      await store.addGroupMember(group.id, bob.id, 'normal');
      counter.reset();
      await store.saveMessage({ fromId: alice.id, toId: 0, groupId: group.id, text: 'to all', sentAtMs: 2, recipientIds: [bob.id] });
      assert.equal(counter.commands(), 1, 'a group message with its pending rows is one query too');
    } finally {
      await close();
    }
  });

  it('sends the writes that arrive while a batch is on its way together, in one query once it is answered', async () => {
    const { store, counter, bob, save, close } = await countedStoreWithAliceAndBob();
    try {
      await save('warm-up'); // the batch pool's connection is open
      counter.reset();
      counter.hold();
      const saves = [save('m1')];
      await waitFor(() => counter.commands() >= 1, 5_000, 'the first batch to be sent');
      for (const text of ['m2', 'm3', 'm4']) {
        await new Promise((resolve) => setImmediate(resolve)); // each in a turn of its own
        saves.push(save(text));
      }
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(counter.commands(), 1, 'nothing more is sent while the first batch waits for its answer');
      counter.release();
      const results = await Promise.all(saves);
      assert.ok(results.every((r) => r !== 'recipient-full'));
      assert.equal(counter.commands(), 2, 'the three later saves went in one query');
      assert.deepEqual((await store.listPending(bob.id, 0, 10)).map((m) => m.text), ['warm-up', 'm1', 'm2', 'm3', 'm4'], 'in the order they came');
    } finally {
      await close();
    }
  });

  it('fails the writes of a batch that MySQL does not answer in time as unavailable, and sends the next batch on a fresh connection', async () => {
    const { store, counter, bob, save, close } = await countedStoreWithAliceAndBob({ connectTimeoutMs: 1_000, answerTimeoutMs: 300 });
    try {
      await save('warm-up'); // the batch pool's connection is open
      counter.hold(); // the server still gets the query; its answer never comes back
      let outcome: { error: unknown } | undefined;
      const unanswered = save('unanswered').then(
        () => (outcome = { error: undefined }),
        (error: unknown) => (outcome = { error }),
      );
      await new Promise((resolve) => setImmediate(resolve)); // a turn later: it waits behind the batch on its way
      const lateAck = store.ackPending(bob.id, [987_654]).then(
        () => 'answered',
        (error: unknown) => error,
      );
      const { error } = await waitFor(() => outcome, 5_000, 'the unanswered batch to fail');
      assert.ok(error instanceof StoreError, `a StoreError, not ${String(error)}`);
      assert.equal(error.code, 'DCHAT_STORE_UNAVAILABLE');
      assert.match(error.message, /did not answer in time .* \(during saveMessage\)/);
      const ackError = await lateAck;
      assert.ok(ackError instanceof StoreError && ackError.code === 'DCHAT_STORE_UNAVAILABLE', `the acknowledgement queued behind it is not held for ever either: ${String(ackError)}`);
      await unanswered;
      counter.release(); // the held answers go to a closed connection: nowhere
      const next = await save('after');
      assert.notEqual(next, 'recipient-full');
      const texts = (await store.listPending(bob.id, 0, 10)).map((m) => m.text);
      assert.equal(texts[0], 'warm-up');
      assert.equal(texts.at(-1), 'after', 'the next write is stored on a fresh connection');
    } finally {
      await close();
    }
  });

  it('fails a read and a transaction that MySQL does not answer in time as unavailable, and serves the next calls on fresh connections', async () => {
    const { store, counter, alice, bob, close } = await countedStoreWithAliceAndBob({ connectTimeoutMs: 1_000, answerTimeoutMs: 300 });
    try {
      // Three pooled connections open and free: the calls below find one without a handshake.
      await Promise.all([alice.id, bob.id, alice.id].map((id) => store.findUserById(id)));
      counter.hold(); // the server still gets each statement; its answers never come back
      const outcome = (call: Promise<unknown>): Promise<unknown> => call.then(() => 'answered', (error: unknown) => error);
      const read = outcome(store.findUserById(bob.id));
      const transaction = outcome(store.createGroup('held', '', alice.id, 1));
      let settled: unknown[] | undefined;
      void Promise.all([read, transaction]).then((errors) => (settled = errors));
      const [readError, transactionError] = await waitFor(() => settled, 5_000, 'the unanswered read and transaction to fail');
      for (const [what, error] of [['the read', readError], ['the transaction', transactionError]] as const) {
        assert.ok(error instanceof StoreError && error.code === 'DCHAT_STORE_UNAVAILABLE', `${what} fails as unavailable, not ${String(error)}`);
        assert.match(error.message, /did not answer in time/);
      }
      counter.release(); // the held answers go to closed connections: nowhere
      assert.equal((await store.findUserById(bob.id))?.name, 'bob', 'the next read is answered on a fresh connection');
      const group = await store.createGroup('after', '', alice.id, 2);
      assert.equal(group?.name, 'after', 'and the next transaction commits');
    } finally {
      await close();
    }
  });

  it('fails only the write that fails when one of a batch fails inside the server, and stores the others', async () => {
    const { store, alice, bob } = await storeWithAliceAndBob();
    try {
      const save = (toId: number, text: string): Promise<unknown> => store.saveMessage({ fromId: alice.id, toId, groupId: 0, text, sentAtMs: 1, recipientIds: [toId] });
      const results = await Promise.allSettled([save(bob.id, 'first'), save(987_654, 'to nobody'), save(bob.id, 'third')]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.deepEqual((await store.listPending(bob.id, 0, 100)).map((m) => m.text), ['first', 'third']);
      const keyed = (text: string, clientMsgId: string): Promise<unknown> => store.saveMessage({ fromId: alice.id, toId: bob.id, groupId: 0, text, sentAtMs: 1, recipientIds: [bob.id], clientMsgId });
      const again = await Promise.all([keyed('fourth', 'k4'), keyed('fourth', 'k4'), keyed('fifth', 'k5')]);
      assert.deepEqual(again.map((s) => (s as { isRepeat: boolean }).isRepeat), [false, true, false], 'a key repeated within one batch finds the first');
      assert.deepEqual((await store.listPending(bob.id, 0, 100)).map((m) => m.text), ['first', 'third', 'fourth', 'fifth']);
    } finally {
      await store.close();
    }
  });

  it('fails only the write that fails when one of a turn fails, and stores the others', async () => {
    const { store, alice, bob } = await storeWithAliceAndBob();
    try {
      const save = (fromId: number, text: string): Promise<unknown> => store.saveMessage({ fromId, toId: bob.id, groupId: 0, text, sentAtMs: 1, recipientIds: [bob.id] });
      const results = await Promise.allSettled([save(alice.id, 'first'), save(987_654, 'from nobody'), save(alice.id, 'third')]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.deepEqual((await store.listPending(bob.id, 0, 100)).map((m) => m.text), ['first', 'third']);
    } finally {
      await store.close();
    }
  });
});
