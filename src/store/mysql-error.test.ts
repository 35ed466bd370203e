// How mysql2's errors become StoreErrors: the code tells the caller whether to wait (unavailable,
// full) or to give up on the request (failed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mysqlStoreError } from './mysql-error.js';
import type { MySqlLocation } from './store-url.js';

const location: MySqlLocation = { kind: 'mysql', host: '10.0.0.5', port: 3306, user: 'dchat', password: 'secret', database: 'chat' };

/** An error shaped as mysql2 rejects with: a code and the server's own message. */
function serverError(code: string, sqlMessage: string): Error {
  return Object.assign(new Error(sqlMessage), { code, sqlMessage });
}

test('a full table or disk on the MySQL server is DCHAT_STORE_FULL, naming the server and the remedy', () => {
  for (const [code, text, remedy] of [
    ['ER_RECORD_FILE_FULL', "The table 'message' is full", /free disk space on the MySQL server/],
    ['ER_DISK_FULL', 'Disk full (./chat/message.ibd)', /disk is full: free space on it/],
  ] as const) {
    const err = mysqlStoreError(serverError(code, text), 'saveMessage', location);
    assert.equal(err.code, 'DCHAT_STORE_FULL', code);
    assert.match(err.message, new RegExp(`^saveMessage on MySQL at 10\\.0\\.0\\.5:3306 failed \\(${code}: `));
    assert.match(err.message, remedy);
    assert.doesNotMatch(err.message, /secret/);
  }
});

test('a refused connection is DCHAT_STORE_UNAVAILABLE and a broken statement DCHAT_STORE_FAILED', () => {
  assert.equal(mysqlStoreError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'login', location).code, 'DCHAT_STORE_UNAVAILABLE');
  assert.equal(mysqlStoreError(serverError('ER_NO_SUCH_TABLE', "Table 'chat.message' doesn't exist"), 'saveMessage', location).code, 'DCHAT_STORE_FAILED');
});
