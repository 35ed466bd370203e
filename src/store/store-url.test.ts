import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parseStoreUrl, redact } from './store-url.js';

function parsed(url: string): unknown {
  const result = parseStoreUrl(url);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

function failure(url: string): { code: string; message: string } {
  const result = parseStoreUrl(url);
  assert.ok(!result.ok, `${url} parsed`);
  return result.error;
}

describe('store url', () => {
  it('parses sqlite: with an absolute, a triple-slash and a relative path', () => {
    assert.deepEqual(parsed('sqlite:/var/lib/dchat/chat.sqlite'), { kind: 'sqlite', file: '/var/lib/dchat/chat.sqlite' });
    assert.deepEqual(parsed('sqlite:///tmp/x.sqlite'), { kind: 'sqlite', file: '/tmp/x.sqlite' });
    assert.deepEqual(parsed('sqlite:data/x.sqlite'), { kind: 'sqlite', file: resolve('data/x.sqlite') });
  });

  it('parses mysql:// with user, password, host, port and database', () => {
    assert.deepEqual(parsed('mysql://chat:p%40ss@db.example:3307/dchat_prod'), {
      kind: 'mysql', host: 'db.example', port: 3307, user: 'chat', password: 'p@ss', database: 'dchat_prod',
    });
  });

  it('fills in root, port 3306 and database dchat when the mysql URL leaves them out', () => {
    assert.deepEqual(parsed('mysql://127.0.0.1'), { kind: 'mysql', host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'dchat' });
  });

  it('rejects an unknown scheme, a missing host, a missing file and an unsafe database name with DCHAT_STORE_BAD_URL', () => {
    for (const url of ['postgres://h/db', '127.0.0.1:3306', 'mysql:///dchat', 'sqlite:', 'mysql://h/dchat;drop', 'mysql://h:99999/db']) {
      const error = failure(url);
      assert.equal(error.code, 'DCHAT_STORE_BAD_URL', url);
      assert.match(error.message, /expected sqlite:\/path\/to\/dchat\.sqlite or mysql:\/\//, url);
    }
  });

  it('never repeats a password in an error message', () => {
    const error = failure('mysql://root:hunter2@h/bad-name');
    assert.doesNotMatch(error.message, /hunter2/);
    assert.equal(redact('mysql://root:hunter2@h:3306/db'), 'mysql://root:***@h:3306/db');
  });
});
