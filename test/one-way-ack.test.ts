// End to end on a real `dchat server`: an ack with request_id 0 is one-way (the node writes no
// Response for it) and still removes the message; an ack with an id is answered as before.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { RawClient } from './support/raw-client.js';

describe('one-way acks', () => {
  let server: DchatProcess;
  const closers: (() => void)[] = [];

  before(async () => {
    server = await startDchatServer();
  });
  after(async () => {
    for (const close of closers) close();
    await server?.stop();
  });

  /** A raw connection logged in as a new user, and that user. */
  const rawUser = async (name: string): Promise<{ raw: RawClient; user: ChatUser }> => {
    const user = await ChatUser.registered(name, server.host, server.port, { autoAck: false });
    closers.push(() => user.close());
    const raw = await RawClient.connect(server.host, server.port);
    closers.push(() => raw.close());
    const login = await raw.request({ login: { userId: user.id, password: `${name}-secret` } });
    assert.equal(login.frame.response?.status, 0, `${name} logs in`);
    return { raw, user };
  };

  test('an ack with request_id 0 gets no Response and removes the message; one with an id is answered', async () => {
    const alice = await ChatUser.registered('alice', server.host, server.port);
    closers.push(() => alice.close());
    await alice.login();
    const { raw: bob, user: bobUser } = await rawUser('bob');
    const first = await alice.client.call({ chat: { toId: bobUser.id, text: 'one' } });
    const second = await alice.client.call({ chat: { toId: bobUser.id, text: 'two' } });
    const firstId = first.sent?.messageId ?? 0;
    const secondId = second.sent?.messageId ?? 0;

    bob.send({ requestId: 0, ack: { messageIds: [firstId] } });
    // Requests of a connection are answered in order: when the ping's answer is in, the
    // one-way ack before it has been handled, and any answer to it would have come first.
    const pong = await bob.request({ ping: { clientTimeMs: 1 } });
    const responses = bob.frames.filter((f) => f.frame.response).map((f) => f.frame.response?.requestId);
    assert.ok(pong.frame.response?.pong, 'the ping is answered');
    assert.equal(responses.includes(0), false, `no Response to the one-way ack (responses to requests ${responses.join(', ')})`);

    const answered = await bob.request({ ack: { messageIds: [firstId, secondId] } });
    assert.equal(answered.frame.response?.ack?.removed, 1, 'the one-way ack removed the first message: only the second was left to remove');
  });

  test('a one-way ack before login is refused without a Response, and the connection stays usable', async () => {
    const raw = await RawClient.connect(server.host, server.port);
    closers.push(() => raw.close());
    raw.send({ requestId: 0, ack: { messageIds: [1] } });
    const pong = await raw.request({ ping: { clientTimeMs: 2 } });
    assert.ok(pong.frame.response?.pong);
    assert.equal(raw.frames.filter((f) => f.frame.response?.requestId === 0).length, 0, 'nothing answers request 0');
  });
});
