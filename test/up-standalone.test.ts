// `dchat up` without --cluster: one standalone chat node, ready for clients, stopped by Ctrl-C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatUser } from './support/chat-user.js';
import { spawnDchat } from './support/dchat-process.js';
import { waitFor } from './support/wait.js';

test('dchat up --no-client starts a standalone node that takes clients, logs to its data dir and stops on SIGINT', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dchat-up-'));
  const up = spawnDchat(['up', '--no-client', '--port', '0', '--data-dir', dataDir]);
  let output = '';
  up.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  up.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => up.once('close', (code) => resolve(code)));
  let user: ChatUser | undefined;
  try {
    const ready = await waitFor(() => /\[2\/2\] chat node ready on (\S+):(\d+) \(pid (\d+)\)/.exec(output) ?? undefined, 30_000, `dchat up to print its ready line; it printed:\n${output}`);
    user = await ChatUser.registered('solo', ready[1] ?? '', Number(ready[2]));
    assert.ok(user.id > 0);
    assert.match(readFileSync(join(dataDir, 'server.log'), 'utf8'), /listening on/);
    up.kill('SIGINT');
    assert.equal(await exited, 0, output);
    assert.match(output, /stopping the chat node \.\.\.\nstopped\./);
    assert.throws(() => process.kill(Number(ready[3]), 0), /ESRCH/, 'the node process is gone');
  } finally {
    user?.close();
    if (up.exitCode === null) up.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
