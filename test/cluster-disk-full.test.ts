// A cluster whose MariaDB fills its disk: MariaDB's data directory on a small tmpfs (192 MiB, of
// which a fresh server takes ~126) that the test fills with a file. MariaDB then refuses what no
// longer fits (InnoDB: "The table … is full"); a chat node must answer UNAVAILABLE, not INTERNAL,
// stay up, keep serving reads, and store again by itself once space is freed, with every
// acknowledged message shown once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../src/gen/proto.js';
import { ChatUser } from './support/chat-user.js';
import type { DchatProcess } from './support/dchat-process.js';
import { isAlive } from './support/dchat-up.js';
import { assertStoredAgain, mountSmallDisk, sendUntilRefused, type SmallDisk } from './support/small-disk.js';
import { startTestCluster, type TestCluster } from './support/test-cluster.js';

const { Status } = dchat;

describe('a cluster whose MariaDB disk fills up', () => {
  let disk: SmallDisk | undefined;
  let cluster: TestCluster | undefined;
  const users: ChatUser[] = [];

  before(async () => {
    disk = mountSmallDisk(192 * 1024 * 1024);
    cluster = await startTestCluster({ nodes: 1, dbParentDir: disk.path });
  });
  after(async () => {
    for (const u of users) u.close();
    await cluster?.stop();
    disk?.remove();
  });

  test('sends are refused with UNAVAILABLE while it is full, reads go on, and sends are stored again once space is freed', async () => {
    const small = disk ?? assert.fail('no small disk');
    const node = (cluster?.nodes[0] ?? assert.fail('no node')) as DchatProcess;
    const person = async (name: string): Promise<ChatUser> => {
      const user = await ChatUser.registered(name, node.host, node.port);
      users.push(user);
      await user.login();
      return user;
    };
    const [ann, bob] = [await person('ann'), await person('bob')];
    const first = await ann.client.call({ chat: { toId: bob.id, text: 'before', clientMsgId: 'k0' } });
    const acked = [first.sent?.messageId ?? 0];
    // dora, away while the disk fills: a friend, a group and a message wait for her.
    const dora = await ChatUser.registered('dora', node.host, node.port);
    users.push(dora);
    await dora.login();
    await dora.client.call({ addFriend: { friendId: ann.id } });
    await ann.client.call({ addFriend: { friendId: dora.id } });
    const group = (await ann.client.call({ createGroup: { name: 'diskfull', desc: '' } })).group?.group?.id ?? 0;
    await dora.client.call({ addGroup: { groupId: group } });
    await ann.client.call({ groupChat: { groupId: group, text: 'in the group', clientMsgId: 'g0' } });
    await dora.client.call({ logout: {} });
    dora.close();
    await ann.client.call({ chat: { toId: dora.id, text: 'for dora, who is away', clientMsgId: 'd0' } });

    small.fill();
    try {
      const { acked: more, refusal } = await sendUntilRefused(ann, bob, 'm');
      acked.push(...more);
      assert.equal(Status[refusal.status], 'UNAVAILABLE', refusal.errorText);
      assert.match(refusal.errorText, /disk is full/);
      // Reading goes on: dora logs in (with a resume token if its row still fits in a page InnoDB
      // has; without one otherwise), finds her friend, her group and her pending message, reads
      // the group's history; bob reads his conversation.
      const back = new ChatUser('dora', node.host, node.port);
      users.push(back);
      await back.client.connect();
      const login = await back.client.call({ login: { userId: dora.id, password: 'dora-secret' } });
      assert.deepEqual((login.login?.friends ?? []).map((f) => f.name), ['ann']);
      assert.deepEqual((login.login?.groups ?? []).map((g) => g.name), ['diskfull']);
      await back.waitForMessage('for dora, who is away');
      const groupHistory = await back.client.call({ history: { groupId: group, limit: 5 } });
      assert.deepEqual((groupHistory.history?.messages ?? []).map((m) => m.text), ['in the group']);
      const history = await bob.client.call({ history: { peerId: ann.id, limit: 5 } });
      assert.equal(history.history?.messages?.[0]?.id, acked.at(-1), 'bob reads the conversation, newest first');
      assert.ok(isAlive(node.pid), 'the node died of the full disk');
    } finally {
      small.free();
    }

    await assertStoredAgain(ann, bob, acked, 15_000);
  });
});
