// `dchat db migrate` as an operator runs it: the real executable against a SQLite data directory
// and a real MariaDB, and its answer when the server is not there.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startMariaDb, type MariaDbHandle } from './support/mariadb.js';

const dchat = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'dchat');
const tables = 'allgroup, friend, friendrequest, groupjoin, groupuser, message, offlinemessage, session_token, user';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDchat(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [dchat, ...args], { env: { ...process.env, DCHAT_DB: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('dchat db migrate', () => {
  let server: MariaDbHandle | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'dchat-db-migrate-'));
  before(async () => {
    server = await startMariaDb();
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the nine tables in the SQLite file of --data-dir, then finds nothing to create', async () => {
    const dataDir = join(dir, 'data');
    const first = await runDchat(['db', 'migrate', '--data-dir', dataDir]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`SQLite ${join(dataDir, 'dchat.sqlite')}`));
    assert.match(first.stdout, new RegExp(`created 9 table\\(s\\): ${tables}`));
    const second = await runDchat(['db', 'migrate', '--data-dir', dataDir]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /nothing to create: the schema was up to date/);
  });

  it('creates the database and tables named by DCHAT_DB on a MySQL server', async () => {
    const url = `mysql://root@127.0.0.1:${server?.port}/dchat_cli`;
    const run = await runDchat(['db', 'migrate'], { DCHAT_DB: url });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`MySQL at 127\\.0\\.0\\.1:${server?.port}, database dchat_cli`));
    assert.match(run.stdout, new RegExp(`created 9 table\\(s\\): ${tables}`));
  });

  it('exits 1 naming host:port and the fix when no MySQL server listens there', async () => {
    const run = await runDchat(['db', 'migrate', '--db', 'mysql://root@127.0.0.1:1/dchat']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /MySQL at 127\.0\.0\.1:1 refused the connection: is it running\? `dchat up --cluster` starts one/);
    assert.match(run.stderr, /DCHAT_STORE_UNAVAILABLE/);
  });
});
