// The storage of both backends is at least as wide as the rules the services enforce: the widths
// are read back from a real MariaDB and a real SQLite file and compared with src/services/limits.ts;
// a real chat node over MariaDB stores the longest names the rules allow; and `dchat db migrate`
// widens the columns of a database made with the narrower schema.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { dchat } from '../src/gen/proto.js';
import { limits } from '../src/services/limits.js';
import { MySqlStore } from '../src/store/mysql-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer } from './support/dchat-process.js';
import { startMariaDb, type MariaDbHandle } from './support/mariadb.js';
import { runDchat } from './support/run-dchat.js';

/** Every stored text the rules bound, with its limit in characters. */
const bounded: readonly { table: string; column: string; chars: number; rule: string }[] = [
  { table: 'user', column: 'name', chars: limits.userNameChars, rule: 'userNameChars' },
  { table: 'allgroup', column: 'groupname', chars: limits.groupNameChars, rule: 'groupNameChars' },
  { table: 'allgroup', column: 'groupdesc', chars: limits.groupDescChars, rule: 'groupDescChars' },
  { table: 'message', column: 'body', chars: limits.messageChars, rule: 'messageChars' },
  { table: 'message', column: 'client_msg_id', chars: limits.clientMsgIdChars, rule: 'clientMsgIdChars' },
];

/** A UTF-8 character takes at most 4 bytes (utf8mb4): what a byte-sized column must hold per character. */
const maxBytesPerChar = 4;

interface MySqlWidth {
  chars: number;
  bytes: number;
}

async function mysqlWidths(server: MariaDbHandle, database: string): Promise<Map<string, MySqlWidth>> {
  const conn = await mysql.createConnection({ host: server.host, port: server.port, user: 'root' });
  try {
    const [rows] = await conn.execute<mysql.RowDataPacket[]>(
      'SELECT TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS d, CHARACTER_MAXIMUM_LENGTH AS w, CHARACTER_OCTET_LENGTH AS o ' +
        'FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?',
      [database],
    );
    // TEXT's limit is in bytes (65,535), whatever the character set; VARCHAR's is in characters.
    return new Map(rows.map((r) => {
      const isText = String(r['d']).toLowerCase().endsWith('text');
      const bytes = Number(r['o']);
      return [`${String(r['t'])}.${String(r['c'])}`, { chars: isText ? Math.floor(bytes / maxBytesPerChar) : Number(r['w']), bytes }];
    }));
  } finally {
    await conn.end();
  }
}

describe('schema and rules', () => {
  let server: MariaDbHandle | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'dchat-schema-limits-'));
  before(async () => {
    server = await startMariaDb();
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const mariadb = (): MariaDbHandle => {
    if (!server) throw new Error('MariaDB did not start: see the error of the before hook');
    return server;
  };
  const urlOf = (database: string): string => `mysql://root@${mariadb().host}:${mariadb().port}/${database}`;

  it('every bounded MySQL column holds the longest value the services accept, in 4-byte characters', async () => {
    const store = new MySqlStore({ kind: 'mysql', host: mariadb().host, port: mariadb().port, user: 'root', password: '', database: 'dchat_widths' });
    await store.migrate();
    await store.close();
    const widths = await mysqlWidths(mariadb(), 'dchat_widths');
    for (const { table, column, chars, rule } of bounded) {
      const width = widths.get(`${table}.${column}`);
      assert.ok(width, `MySQL has a column ${table}.${column}`);
      assert.ok(width.chars >= chars, `MySQL ${table}.${column} holds ${width.chars} characters (${width.bytes} bytes) < limits.${rule} ${chars}`);
    }
  });

  it('every bounded SQLite column is TEXT, which STRICT tables store at any length', async () => {
    const store = SqliteStore.openInDirectory(join(dir, 'sqlite'));
    await store.migrate();
    await store.close();
    const db = new Database(store.file, { readonly: true });
    try {
      const typeOf = db.prepare('SELECT type FROM pragma_table_info(?) WHERE name = ?');
      for (const { table, column } of bounded) {
        const row = typeOf.get(table, column) as { type: string } | undefined;
        assert.equal(row?.type, 'TEXT', `SQLite ${table}.${column}`);
      }
      const checks = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table'").all() as { sql: string }[];
      assert.doesNotMatch(checks.map((c) => c.sql).join('\n'), /length\s*\(/i, 'no CHECK on a length narrower than the rules');
    } finally {
      db.close();
    }
  });

  it('a chat node over MariaDB creates a group with the longest name and description the rules allow, in emoji', async () => {
    const node = await startDchatServer(['--db', urlOf('dchat_long_names'), '--password-cost', 'test']);
    const ann = await ChatUser.registered('😀'.repeat(limits.userNameChars), node.host, node.port);
    try {
      await ann.login();
      const name = '🎉'.repeat(limits.groupNameChars);
      const desc = '📜'.repeat(limits.groupDescChars);
      const res = await ann.client.request({ createGroup: { name, desc } });
      assert.equal(dchat.Status[res.status], 'OK', res.errorText);
      assert.equal(res.group?.group?.name, name);
      assert.equal(res.group?.group?.desc, desc);
    } finally {
      ann.close();
      await node.stop();
    }
  });

  it('dchat db migrate widens the group name and description of a database made with the narrower schema, keeping its groups', async () => {
    const database = 'dchat_narrow';
    const store = new MySqlStore({ kind: 'mysql', host: mariadb().host, port: mariadb().port, user: 'root', password: '', database });
    try {
      await store.migrate();
      const ann = await store.createUser('ann', 'h', 1);
      assert.ok(ann);
      await store.createGroup('old crew', 'from before', ann.id, 1);
    } finally {
      await store.close();
    }
    const conn = await mysql.createConnection({ host: mariadb().host, port: mariadb().port, user: 'root', database });
    try {
      await conn.query("ALTER TABLE allgroup MODIFY groupname VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, MODIFY groupdesc VARCHAR(200) NOT NULL DEFAULT ''");
    } finally {
      await conn.end();
    }
    assert.equal((await mysqlWidths(mariadb(), database)).get('allgroup.groupname')?.chars, 50, 'the old width is in place');

    const run = await runDchat(['db', 'migrate', '--db', urlOf(database)], { env: { ...process.env, DCHAT_DB: '' } });
    assert.equal(run.status, 0, run.stderr);
    const widths = await mysqlWidths(mariadb(), database);
    assert.equal(widths.get('allgroup.groupname')?.chars, limits.groupNameChars);
    assert.equal(widths.get('allgroup.groupdesc')?.chars, limits.groupDescChars);
    const again = new MySqlStore({ kind: 'mysql', host: mariadb().host, port: mariadb().port, user: 'root', password: '', database });
    try {
      const group = await again.findGroupById(1);
      assert.equal(group?.name, 'old crew');
      assert.equal(group?.desc, 'from before');
    } finally {
      await again.close();
    }
  });
});
