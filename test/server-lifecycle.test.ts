// How a chat node starts and stops: graceful shutdown on SIGTERM, a clear error when its port
// is taken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer } from './support/dchat-process.js';
import { waitFor } from './support/wait.js';

test('dchat server shuts down gracefully on SIGTERM: clients are told, the process exits 0', async () => {
  const server = await startDchatServer();
  const user = await ChatUser.registered('leaver', server.host, server.port);
  try {
    await user.login();
    await server.kill('SIGTERM');
    assert.equal(await server.exited(), 0);
    const kicked = await user.waitForEvent((e) => Boolean(e.kicked), 'the shutdown notice');
    assert.match(kicked.kicked?.reason ?? '', /shutting down/);
    await waitFor(() => user.closed, 5000, 'the connection to close');
  } finally {
    user.close();
    await server.stop();
  }
});

test('dchat server on a port already in use says which and how to fix it, and exits 1', async () => {
  const first = await startDchatServer();
  try {
    await assert.rejects(startDchatServer(['--port', String(first.port)], { timeoutMs: 10_000 }), (err: Error) => {
      assert.match(err.message, /exited with code 1/);
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${first.port}`));
      assert.match(err.message, /in use/i);
      return true;
    });
  } finally {
    await first.stop();
  }
});
