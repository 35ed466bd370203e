import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from './open-store.js';
import { StoreError } from './store-error.js';

const root = mkdtempSync(join(tmpdir(), 'dchat-open-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('openStore', () => {
  it('opens a migrated SQLite store in dataDir, creating the directory, when no db is given', async () => {
    const dataDir = join(root, 'fresh', 'data');
    const store = await openStore({ dataDir });
    try {
      assert.ok(existsSync(join(dataDir, 'dchat.sqlite')));
      assert.ok(await store.createUser('alice', 'h', 1));
    } finally {
      await store.close();
    }
  });

  it('opens the SQLite file a sqlite: URL names, ignoring dataDir', async () => {
    const file = join(root, 'elsewhere', 'chat.sqlite');
    const store = await openStore({ db: `sqlite:${file}`, dataDir: join(root, 'unused') });
    await store.close();
    assert.ok(existsSync(file));
    assert.ok(!existsSync(join(root, 'unused')));
  });

  it('rejects a URL it cannot parse with StoreError DCHAT_STORE_BAD_URL', async () => {
    await assert.rejects(openStore({ db: 'redis://localhost', dataDir: root }), (err: unknown) => {
      return err instanceof StoreError && err.code === 'DCHAT_STORE_BAD_URL' && err.message.includes('redis://localhost');
    });
  });

  it('rejects a data directory it cannot create with a StoreError naming the file', async () => {
    const blocked = join(root, 'file-not-dir');
    await (await openStore({ db: `sqlite:${blocked}`, dataDir: root })).close();
    await assert.rejects(openStore({ dataDir: join(blocked, 'data') }), (err: unknown) => {
      assert.ok(err instanceof StoreError);
      assert.equal(err.code, 'DCHAT_STORE_UNAVAILABLE');
      assert.match(err.message, /ENOTDIR/);
      assert.match(err.message, /choose another --data-dir/);
      return err.message.includes(join(blocked, 'data', 'dchat.sqlite'));
    });
  });
});
