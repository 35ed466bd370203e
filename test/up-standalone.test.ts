// `dchat up` without --cluster: one standalone chat node, ready for clients, stopped by Ctrl-C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatUser } from './support/chat-user.js';
import { spawnDchat } from './support/dchat-process.js';
import { listeningPorts } from './support/listening-ports.js';
import { startDchatInTmux } from './support/tmux-screen.js';
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
    assert.deepEqual(listeningPorts(Number(ready[3])), [Number(ready[2])], 'the node of `npm start` opens its chat port and no other');
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

test('dchat up with its client keeps the "open more clients" hint on the full screen, where it stays visible', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dchat-up-tui-'));
  const screen = await startDchatInTmux(['up', '--port', '0', '--data-dir', dataDir], { env: { DCHAT_LOG_FILE: join(dataDir, 'client.log') }, columns: 100, rows: 24 });
  try {
    await screen.waitForScreen(/Welcome to dchat[\s\S]*Open more clients in other terminals with:[\s\S]*npx dchat client --server 127\.0\.0\.1:\d+/, 'the hint in the dchat pane of the client');
    await screen.sendKeys('C-c');
    await screen.waitForScreen(/The chat node keeps running for other clients/, 'the client gone, the node still up');
    await screen.sendKeys('C-c');
    await waitFor(async () => !(await screen.isRunning()), 20_000, 'dchat up to stop on the second Ctrl-C');
  } finally {
    await screen.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
