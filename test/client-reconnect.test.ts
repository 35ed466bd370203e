// A client whose node dies: the line client reconnects by itself, logs in again, and prints what
// it missed, once; a kicked line client stays usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../src/gen/proto.js';
import { ChatSession } from '../src/client/chat-session.js';
import { ChatUser } from './support/chat-user.js';
import { spawnDchat, startDchatServer } from './support/dchat-process.js';
import { RawPeer } from './support/raw-peer.js';
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

test('the line client stays usable after kicks: no login in time or a login elsewhere stops reconnection, and login connects again', async () => {
  const server = await startDchatServer(['--login-deadline-ms', '1500']);
  const client = spawnDchat(['client', '--plain', '--server', `${server.host}:${server.port}`]);
  let output = '';
  client.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  client.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const printed = (pattern: RegExp, what: string): Promise<RegExpExecArray> =>
    waitFor(() => pattern.exec(output) ?? undefined, 15_000, `the line client to print ${what}; it printed:\n${output}`);
  const count = (pattern: RegExp): number => output.match(new RegExp(pattern, 'g'))?.length ?? 0;
  let other: ChatUser | undefined;
  try {
    client.stdin?.write('register:kit:kit-pass\n');
    const kitId = Number((await printed(/your user id is (\d+)/, "kit's id"))[1]);
    await printed(/disconnected by the server: not logged in within 1500 ms/, 'the login-deadline kick');
    await printed(/not logged in in time: not reconnecting by itself; login:<userid>:<password> connects to \S+ again/, 'how to connect again');
    client.stdin?.write(`login:${kitId}:kit-pass\n`);
    await printed(/logged in as kit/, 'the login on a new connection');

    other = new ChatUser('kit', server.host, server.port);
    other.id = kitId;
    await other.client.connect();
    await other.client.call({ login: { userId: kitId, password: 'kit-pass' } });
    await printed(/disconnected by the server: user \d+ logged in from another connection/, 'the logged-in-elsewhere kick');
    await waitFor(() => count(/not reconnecting by itself/) >= 2, 15_000, `the line client to say it does not reconnect after the second kick; it printed:\n${output}`);
    assert.equal(client.exitCode, null, 'the line client is still running');
    client.stdin?.write(`login:${kitId}:kit-pass\n`);
    await waitFor(() => count(/logged in as kit/) >= 2, 15_000, `the line client to log in again; it printed:\n${output}`);
    await other.waitForEvent((e) => e.kicked?.code === dchat.client.KickCode.LOGGED_IN_ELSEWHERE, 'the kick of the other connection');
    client.stdin?.write('showfriendlist\n');
    await printed(/friends:/, 'the friend list on the new connection');
    client.stdin?.end();
    assert.equal(await new Promise((resolve) => client.once('close', resolve)), 0);
  } finally {
    client.kill('SIGKILL');
    other?.close();
    await server.stop();
  }
});

test('a session refused as one connection too many backs off further at each refusal, and connects once there is room', async () => {
  const server = await startDchatServer(['--max-anonymous-per-address', '1']);
  const holder = await RawPeer.connect(server.host, server.port);
  const statuses: string[] = [];
  const session = new ChatSession({ host: server.host, port: server.port, pingIntervalMs: 0 }, { status: (status, detail) => void statuses.push(`${status}: ${detail}`) });
  try {
    await session.connect();
    await waitFor(() => statuses.some((s) => s.includes('(attempt 3)')), 15_000, `a third reconnect attempt; statuses:\n${statuses.join('\n')}`);
    const attempts = statuses.flatMap((s) => /\(attempt (\d+)\)/.exec(s)?.[1] ?? []).map(Number);
    assert.deepEqual(attempts.slice(0, 3), [1, 2, 3], `the attempt count grows across refusals instead of starting again: ${attempts.join(', ')}`);
    holder.destroy();
    await waitFor(() => statuses.at(-1)?.startsWith('connected: reconnected'), 15_000, `the session to connect once the slot is free; statuses:\n${statuses.join('\n')}`);
  } finally {
    session.close();
    holder.destroy();
    await server.stop();
  }
});
