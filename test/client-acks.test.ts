// The client gathers its acknowledgements (src/client/message-inbox.ts): what arrives within a
// quarter second of its last ack waits. Logging out or closing in that quarter second must not
// leave the messages pending, to be replayed (and shown again) at the next login.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatSession } from '../src/client/chat-session.js';
import type { dchat } from '../src/gen/proto.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer } from './support/dchat-process.js';
import { waitFor } from './support/wait.js';

/** What a login of the user finds pending; its connection acknowledges nothing, so the count stays. */
async function pendingAtLogin(host: string, port: number, id: number, name: string): Promise<number> {
  const again = new ChatUser(name, host, port, { autoAck: false });
  again.id = id;
  try {
    await again.client.connect();
    return (await again.login()).login?.pending ?? -1;
  } finally {
    again.client.destroy();
  }
}

for (const ending of ['logout', 'close'] as const) {
  test(`a client that ${ending === 'logout' ? 'logs out' : 'closes'} right after a burst of messages leaves none of them pending`, async () => {
    const server = await startDchatServer();
    const sam = await ChatUser.registered('sam', server.host, server.port);
    const shown: dchat.IChatMessage[] = [];
    const rita = new ChatSession({ host: server.host, port: server.port, pingIntervalMs: 0 }, { message: (m) => shown.push(m) });
    try {
      await sam.login();
      const ritaUser = await ChatUser.registered('rita', server.host, server.port);
      const ritaId = ritaUser.id;
      ritaUser.client.destroy();
      await rita.connect();
      assert.equal((await rita.request({ login: { userId: ritaId, password: 'rita-secret' } })).status, 0);
      // The first is acknowledged at once; the next four come within the quarter second after it.
      await sam.client.call({ chat: { toId: ritaId, text: 'first' } });
      await waitFor(() => shown.length === 1 || undefined, 5_000, 'rita to be shown the first message');
      for (let i = 2; i <= 5; i++) await sam.client.call({ chat: { toId: ritaId, text: `message ${i}` } });
      await waitFor(() => shown.length === 5 || undefined, 5_000, 'rita to be shown all five messages');
      if (ending === 'logout') assert.equal((await rita.request({ logout: {} })).status, 0);
      else rita.close();
      // The gathered ack goes before the logout or the connection's end; without it four messages
      // stay pending for good (the probing logins acknowledge nothing).
      await waitFor(async () => (await pendingAtLogin(server.host, server.port, ritaId, 'rita')) === 0 || undefined, 5_000, 'nothing to wait for rita at her next login');
    } finally {
      rita.close();
      sam.client.destroy();
      await server.stop();
    }
  });
}
