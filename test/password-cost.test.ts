// `dchat server --password-cost test`: new password hashes get the cheap scrypt cost that
// benchmarks need, the node warns that it is not for production, and users hashed at either
// cost log in on a node of either cost (verification reads the cost stored in the hash).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { runDchat } from './support/run-dchat.js';

function storedHash(dataDir: string, name: string): string {
  const db = new Database(join(dataDir, 'dchat.sqlite'), { readonly: true });
  try {
    const row = db.prepare('SELECT password_hash AS hash FROM user WHERE name = ?').get(name) as { hash: string } | undefined;
    return row?.hash ?? `(no user ${name})`;
  } finally {
    db.close();
  }
}

describe('dchat server --password-cost', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dchat-password-cost-'));
  const users: ChatUser[] = [];
  const servers: DchatProcess[] = [];
  const register = async (server: DchatProcess, name: string): Promise<ChatUser> => {
    const user = await ChatUser.registered(name, server.host, server.port);
    users.push(user);
    return user;
  };
  after(async () => {
    for (const user of users) user.close();
    for (const server of servers) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a production node hashes with N=16384 r=8 p=5, a test node with N=1024 r=1 p=1, and both users log in on the test node', async () => {
    const production = await startDchatServer(['--data-dir', dataDir]);
    servers.push(production);
    const careful = await register(production, 'careful');
    careful.close();
    await production.stop();
    assert.match(storedHash(dataDir, 'careful'), /^scrypt\$16384\$8\$5\$/);

    const cheap = await startDchatServer(['--data-dir', dataDir, '--password-cost', 'test']);
    servers.push(cheap);
    assert.match(cheap.output(), /--password-cost test: .*far too cheap for real passwords; for benchmarks and tests only/);
    const hasty = await register(cheap, 'hasty');
    assert.match(storedHash(dataDir, 'hasty'), /^scrypt\$1024\$1\$1\$/);
    await hasty.login();
    const again = new ChatUser('careful', cheap.host, cheap.port);
    again.id = careful.id;
    users.push(again);
    await again.client.connect();
    await again.login();
  });

  test('an unknown cost from DCHAT_PASSWORD_COST stops the node with the names it accepts', async () => {
    const run = await runDchat(['server', '--port', '0', '--data-dir', dataDir], { env: { ...process.env, DCHAT_PASSWORD_COST: 'cheap' } });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /cheap/);
    assert.match(run.stderr, /production/);
    assert.match(run.stderr, /test/);
  });
});
