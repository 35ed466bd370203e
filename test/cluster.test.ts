// The cluster end to end: real ZooKeeper, real MariaDB and two real `dchat server --zk` nodes.
// Users on different nodes chat and group-chat through ChatServiceRpc, and are told who joins and
// leaves their groups; a login on a second node ends the first; a user whose node dies gets, at
// the next login elsewhere, every message sent to them exactly once, also those whose sends the
// dying node answered UNAVAILABLE (resent).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatSession } from '../src/client/chat-session.js';
import { MessageInbox } from '../src/client/message-inbox.js';
import { dchat } from '../src/gen/proto.js';
import type { ZkSession } from '../src/zk/zk-session.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatRpcServer, startDchatServer, type DchatProcess } from './support/dchat-process.js';
import type { MariaDbHandle } from './support/mariadb.js';
import { startTestCluster, type TestCluster } from './support/test-cluster.js';
import { waitFor } from './support/wait.js';
import type { ZkServerHandle } from './support/zookeeper.js';

describe('chat cluster', () => {
  let cluster: TestCluster;
  let zkServer: ZkServerHandle;
  let db: MariaDbHandle;
  let zk: ZkSession;
  let nodes: DchatProcess[] = [];
  const users: ChatUser[] = [];
  const startNode = (): Promise<DchatProcess> => cluster.startNode();
  const userOn = async (node: DchatProcess, name: string, existing?: ChatUser): Promise<ChatUser> => {
    if (!existing) {
      const user = await ChatUser.registered(name, node.host, node.port);
      users.push(user);
      return user;
    }
    const user = new ChatUser(name, node.host, node.port);
    user.id = existing.id;
    users.push(user);
    await user.client.connect();
    return user;
  };

  before(async () => {
    // A short session timeout, so that a killed node leaves /dchat/nodes soon.
    cluster = await startTestCluster({ nodes: 0, nodeArgs: ['--zk-session-timeout-ms', '4000'] });
    ({ zkServer, db, zk, nodes } = cluster);
  });
  after(async () => {
    for (const u of users) u.close();
    await cluster?.stop();
  });

  test('nodes register in /dchat/nodes and their services under /<ServiceName>', async () => {
    const a = await startNode();
    const b = await startNode();
    const names = await waitFor(async () => {
      const children = await zk.getChildren('/dchat/nodes');
      return children.length >= 2 ? children : undefined;
    }, 10_000, 'both nodes in /dchat/nodes');
    assert.ok(names.includes(`${a.host}:${a.port}`) && names.includes(`${b.host}:${b.port}`), names.join(','));
    const entry = JSON.parse((await zk.getData(`/dchat/nodes/${a.host}:${a.port}`))?.data.toString() ?? '{}') as Record<string, unknown>;
    assert.equal(entry['clientAddress'], `${a.host}:${a.port}`);
    assert.match(String(entry['rpcAddress']), /^127\.0\.0\.1:\d+$/);
    for (const service of ['UserServiceRpc', 'FriendServiceRpc', 'GroupServiceRpc', 'OfflineServiceRpc', 'ChatServiceRpc']) {
      assert.equal((await zk.getChildren(`/${service}`)).length, 2, `two providers of ${service}`);
    }
  });

  test('users on different nodes chat one-to-one and in a group', async () => {
    const [a, b] = nodes as [DchatProcess, DchatProcess];
    const ann = await userOn(a, 'c-ann');
    const bo = await userOn(b, 'c-bo');
    const cy = await userOn(b, 'c-cy');
    for (const u of [ann, bo, cy]) await u.login();
    await waitFor(async () => (await zk.exists(`/dchat/presence/${bo.id}`)) !== undefined, 5000, "bo's presence znode");
    const sent = await ann.client.call({ chat: { toId: bo.id, text: 'across the cluster' } });
    const got = await bo.waitForMessage('across the cluster');
    assert.equal(got.id, sent.sent?.messageId);

    const group = await bo.client.call({ createGroup: { name: 'c-crew', desc: '' } });
    const groupId = group.group?.group?.id ?? 0;
    await ann.client.call({ addGroup: { groupId } });
    await cy.client.call({ addGroup: { groupId } });
    await bo.client.call({ groupChat: { groupId, text: 'meeting at noon' } });
    await Promise.all([ann.waitForMessage('meeting at noon'), cy.waitForMessage('meeting at noon')]);
    await ann.client.call({ groupChat: { groupId, text: 'on my way' } });
    await Promise.all([bo.waitForMessage('on my way'), cy.waitForMessage('on my way')]);

    // Joins and leaves reach the members on the other node too.
    const told = (user: ChatUser, who: ChatUser, joined: boolean, what: string): Promise<unknown> =>
      user.waitForEvent((e) => e.groupMemberChanged?.group?.id === groupId && e.groupMemberChanged.user?.id === who.id && e.groupMemberChanged.joined === joined, what);
    await told(bo, ann, true, 'c-ann (node a) joined, told on node b');
    await told(ann, cy, true, 'c-cy (node b) joined, told on node a');
    await cy.client.call({ delGroup: { groupId } });
    await Promise.all([told(ann, cy, false, 'c-cy left, told on node a'), told(bo, cy, false, 'c-cy left, told on node b')]);
  });

  test('a login on another node ends the first session, cluster-wide', async () => {
    const [a, b] = nodes as [DchatProcess, DchatProcess];
    const dan = await userOn(a, 'c-dan');
    await dan.login();
    const danOnB = await userOn(b, 'c-dan', dan);
    await danOnB.login();
    await dan.waitForEvent((e) => Boolean(e.kicked), 'the kick from the other node');
    await waitFor(() => dan.closed, 5000, "dan's first connection to close");
    const presence = await zk.getData(`/dchat/presence/${dan.id}`);
    assert.match(presence?.data.toString() ?? '', new RegExp(`"nodeId":"${b.host}:${b.port}"`), 'presence names the new node');
    const eve = await userOn(a, 'c-eve');
    await eve.login();
    await eve.client.call({ chat: { toId: dan.id, text: 'found you' } });
    await danOnB.waitForMessage('found you');
  });

  test('killing a node while messages flow loses no message, shows none twice, and every send is acknowledged', async () => {
    const [a] = nodes as [DchatProcess, DchatProcess];
    const victimNode = await startNode();
    const registered = await userOn(a, 'c-sender');
    const receiver = await userOn(victimNode, 'c-receiver');
    await receiver.login();
    // The sender is the client's own session: a send whose answer is lost or UNAVAILABLE (a call
    // the dying node was serving) goes out again with the same client_msg_id.
    const sender = new ChatSession({ host: a.host, port: a.port, pingIntervalMs: 0 });
    await sender.connect();
    const login = await sender.request({ login: { userId: registered.id, password: 'c-sender-secret' } });
    assert.equal(login.status, dchat.Status.OK, login.errorText);
    await waitFor(async () => (await zk.exists(`/dchat/presence/${receiver.id}`)) !== undefined, 5000, "the receiver's presence znode");
    const acked: number[] = [];
    const refused: string[] = [];
    let killed = false;
    try {
      for (let i = 0; i < 200; i++) {
        if (i === 60) {
          await victimNode.kill('SIGKILL');
          killed = true;
        }
        const res = await sender.request({ chat: { toId: receiver.id, text: `m${i}` } });
        if (res.status === dchat.Status.OK) acked.push(res.sent?.messageId ?? 0);
        else refused.push(`${dchat.Status[res.status]}: ${res.errorText}`);
      }
    } finally {
      sender.close();
    }
    assert.ok(killed);
    assert.deepEqual(refused, [], 'a send refused UNAVAILABLE by the dying node is sent again until it is stored');
    assert.equal(new Set(acked).size, 200, 'each of the 200 messages has an id of its own');
    const receiverAgain = await userOn(a, 'c-receiver', receiver);
    await receiverAgain.login();
    const shown = new Set<number>();
    await waitFor(() => {
      for (const m of [...receiver.messages(), ...receiverAgain.messages()]) shown.add(m.id ?? 0);
      return acked.every((id) => shown.has(id));
    }, 15_000, 'every acknowledged message to reach the receiver');
    // What the person sees: both sessions' arrivals through the client's inbox, which shows an id once.
    const inbox = new MessageInbox(() => {});
    const seen = [...receiver.messages(), ...receiverAgain.messages()].filter((m) => inbox.accept(m));
    assert.deepEqual(seen.map((m) => m.text).sort(), Array.from({ length: 200 }, (_, i) => `m${i}`).sort(), 'each message shown once, nothing stored twice');
    nodes.splice(nodes.indexOf(victimNode), 1);
    await victimNode.stop();
  });

  test('nodes that host no services use those of a dchat rpc-server process', async () => {
    // A chroot of its own keeps this deployment apart from the nodes above, which host services too.
    const zkChroot = `${zkServer.connectString}/split`;
    const services = await startDchatRpcServer(['--zk', zkChroot, '--db', db.url]);
    nodes.push(services);
    const thin = await startDchatServer(['--zk', zkChroot, '--services', 'none']);
    nodes.push(thin);
    const thin2 = await startDchatServer(['--zk', zkChroot, '--services', 'none']);
    nodes.push(thin2);
    const fay = await userOn(thin, 's-fay');
    const gus = await userOn(thin2, 's-gus');
    await fay.login();
    await gus.login();
    await fay.client.call({ addFriend: { friendId: gus.id } });
    await gus.client.call({ addFriend: { friendId: fay.id } });
    await fay.client.call({ chat: { toId: gus.id, text: 'served by rpc-server' } });
    await gus.waitForMessage('served by rpc-server');
    assert.deepEqual(await zk.getChildren('/split/UserServiceRpc'), [`${services.host}:${services.port}`], 'the only provider of UserServiceRpc');
  });

  test('a node is refused the id of a node that is up, and takes over the entry of one that died', async () => {
    const first = await cluster.startNode(['--node-id', 'twin']);
    const entryOf = async (): Promise<Record<string, unknown>> => JSON.parse((await zk.getData('/dchat/nodes/twin'))?.data.toString() ?? '{}') as Record<string, unknown>;
    assert.equal((await entryOf())['clientAddress'], `${first.host}:${first.port}`);
    await assert.rejects(cluster.startNode(['--node-id', 'twin']), (err: Error) => {
      assert.match(err.message, /exited with code 1/);
      assert.match(err.message, new RegExp(`node id "twin" is taken: /dchat/nodes/twin belongs to the node at ${first.host}:${first.port}, which is up; give this node another --node-id`));
      return true;
    });
    assert.equal((await entryOf())['clientAddress'], `${first.host}:${first.port}`, 'the refused node left the entry alone');

    // Killed, the first node's entry stays until its session times out; nothing answers at its address.
    await first.kill('SIGKILL');
    nodes.splice(nodes.indexOf(first), 1);
    const successor = await cluster.startNode(['--node-id', 'twin']);
    assert.equal((await entryOf())['clientAddress'], `${successor.host}:${successor.port}`);
  });
});
