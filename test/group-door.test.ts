// End to end: joining a group on a real `dchat server` does not open its past. A new member
// reads the history from their join onwards; the members who were there read all of it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';

describe('groups with a door', () => {
  let server: DchatProcess;
  const users: ChatUser[] = [];
  const person = async (name: string): Promise<ChatUser> => {
    const user = await ChatUser.registered(name, server.host, server.port);
    users.push(user);
    await user.login();
    return user;
  };

  before(async () => {
    server = await startDchatServer(['--password-cost', 'test']);
  });
  after(async () => {
    for (const u of users) u.close();
    await server?.stop();
  });

  test('a new member reads the history from their join onwards, not what was said before', async () => {
    const owner = await person('owner');
    const early = await person('early');
    const spy = await person('spy');
    const groupId = (await owner.client.call({ createGroup: { name: 'plans', desc: '' } })).group?.group?.id ?? 0;
    await early.client.call({ addGroup: { groupId } });
    await owner.client.call({ groupChat: { groupId, text: 'the secret plan' } });
    await spy.client.call({ addGroup: { groupId } });
    await owner.client.call({ groupChat: { groupId, text: 'welcome, spy' } });
    await spy.waitForMessage('welcome, spy');

    const texts = async (user: ChatUser): Promise<string[]> => ((await user.client.call({ history: { groupId } })).history?.messages ?? []).map((m) => m.text ?? '');
    assert.deepEqual(await texts(spy), ['welcome, spy'], 'the newcomer sees only what came after the join');
    assert.deepEqual(await texts(early), ['welcome, spy', 'the secret plan'], 'a member from before sees both');
    assert.deepEqual(await texts(owner), ['welcome, spy', 'the secret plan']);

    // Leaving and joining again starts a new join point.
    await spy.client.call({ delGroup: { groupId } });
    await owner.client.call({ groupChat: { groupId, text: 'spy has left' } });
    await spy.client.call({ addGroup: { groupId } });
    assert.deepEqual(await texts(spy), [], 'nothing said while away, nor before');
  });
});
