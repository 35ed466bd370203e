// End to end over MySQL: a real MariaDB, a real `dchat server --db mysql://…`, and a node
// restart in the middle to show that the conversation lives in the database, not the node.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { startMariaDb, type MariaDbHandle } from './support/mariadb.js';

describe('chat node over MySQL', () => {
  let db: MariaDbHandle;
  const servers: DchatProcess[] = [];
  const users: ChatUser[] = [];

  before(async () => {
    db = await startMariaDb();
  });
  after(async () => {
    for (const u of users) u.close();
    for (const s of servers) await s.stop();
    await db?.stop();
  });

  test('users, friends, groups and pending messages survive a restart of the node', async () => {
    const first = await startDchatServer(['--db', db.url]);
    servers.push(first);
    const alice = await ChatUser.registered('m-alice', first.host, first.port);
    const bob = await ChatUser.registered('m-bob', first.host, first.port);
    users.push(alice, bob);
    await alice.login();
    await alice.client.call({ addFriend: { friendId: bob.id } }); // a request: friendship takes consent
    const group = await alice.client.call({ createGroup: { name: 'mysql-fans', desc: 'InnoDB all the way' } });
    const groupId = group.group?.group?.id ?? 0;
    const direct = await alice.client.call({ chat: { toId: bob.id, text: 'stored in MariaDB' } });
    await first.stop();

    const second = await startDchatServer(['--db', db.url]);
    servers.push(second);
    const bob2 = new ChatUser('m-bob', second.host, second.port);
    bob2.id = bob.id;
    users.push(bob2);
    await bob2.client.connect();
    const login = await bob2.login();
    assert.equal(login.login?.pending, 1);
    assert.deepEqual(login.login?.friendRequests?.map((r) => r.from?.name), ['m-alice'], 'the friend request survived');
    await bob2.client.call({ addFriend: { friendId: alice.id } });
    assert.deepEqual((await bob2.client.call({ friendList: {} })).friendList?.friends?.map((f) => f.name), ['m-alice']);
    const got = await bob2.waitForMessage('stored in MariaDB');
    assert.equal(got.id, direct.sent?.messageId);
    await bob2.client.call({ addGroup: { groupId } });
    const history = await bob2.client.call({ history: { peerId: alice.id } });
    assert.deepEqual(history.history?.messages?.map((m) => m.text), ['stored in MariaDB']);
  });

  test('a node pointed at a MySQL server that is not running says so and exits', async () => {
    await assert.rejects(startDchatServer(['--db', 'mysql://root@127.0.0.1:1/chat']), /127\.0\.0\.1:1[\s\S]*(refused|running)/);
  });
});
