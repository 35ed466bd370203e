import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { startMariaDb, type MariaDbHandle } from './mariadb.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startMariaDb', () => {
  it('serves root over TCP on its port until stop, which ends the pid and removes the directory', async () => {
    const db = await startMariaDb();
    try {
      assert.equal(db.url, `mysql://root@127.0.0.1:${db.port}/dchat`);
      assert.ok(isAlive(db.pid));
      const conn = await mysql.createConnection({ host: db.host, port: db.port, user: 'root' });
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT @@character_set_server AS charset');
      await conn.end();
      assert.equal(rows[0]?.['charset'], 'utf8mb4');
    } finally {
      await db.stop();
    }
    assert.equal(isAlive(db.pid), false);
    assert.equal(existsSync(db.dir), false);
    await db.stop();
  });

  it('two servers run side by side on different ports', async () => {
    const started = await Promise.allSettled([startMariaDb(), startMariaDb()]);
    const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    try {
      for (const s of started) if (s.status === 'rejected') throw s.reason;
      const [a, b] = servers as [MariaDbHandle, MariaDbHandle];
      assert.notEqual(a.port, b.port);
      assert.notEqual(a.dir, b.dir);
    } finally {
      // One that started is stopped even when the other failed: it would keep the test process alive.
      await Promise.all(servers.map((s) => s.stop()));
    }
  });
});
