// A client whose node dies: the line client reconnects by itself, logs in again, and prints what
// it missed, once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatUser } from './support/chat-user.js';
import { spawnDchat, startDchatServer } from './support/dchat-process.js';
import { waitFor } from './support/wait.js';

test('the line client reconnects after its node restarts, logs in again and shows the missed message once', async () => {
  const first = await startDchatServer();
  const port = String(first.port);
  const client = spawnDchat(['client', '--plain', '--server', `${first.host}:${port}`]);
  let output = '';
  client.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  client.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const printed = (pattern: RegExp, what: string): Promise<RegExpExecArray> =>
    waitFor(() => pattern.exec(output) ?? undefined, 15_000, `the line client to print ${what}; it printed:\n${output}`);
  let second: Awaited<ReturnType<typeof startDchatServer>> | undefined;
  const sender = { user: undefined as ChatUser | undefined };
  try {
    client.stdin?.write('register:rita:rita-pass\n');
    const ritaId = Number((await printed(/your user id is (\d+)/, "rita's id"))[1]);
    client.stdin?.write(`login:${ritaId}:rita-pass\n`);
    await printed(/logged in as rita/, 'the login');

    await first.kill('SIGKILL');
    await printed(/reconnecting to 127\.0\.0\.1:\d+ in \d+ ms/, 'that it reconnects');
    second = await startDchatServer(['--port', port, '--data-dir', first.dataDir]);
    sender.user = await ChatUser.registered('sam', second.host, second.port);
    await sender.user.login();
    await sender.user.client.call({ chat: { toId: ritaId, text: 'did you miss me?' } });
    await printed(/logged in again as rita/, 'the automatic login');
    await printed(/sam\(\d+\): did you miss me\?/, 'the missed message');
    client.stdin?.write('showfriendlist\n');
    await printed(/friends:/, 'the friend list after the reconnect');
    assert.equal(output.match(/did you miss me\?/g)?.length, 1, 'the message is shown once');
    client.stdin?.end();
    assert.equal(await new Promise((resolve) => client.once('close', resolve)), 0);
  } finally {
    client.kill('SIGKILL');
    sender.user?.close();
    await second?.stop();
    await first.stop();
  }
});
