// Cross-node routing remembers where a recipient is after the first ZooKeeper look-up. These
// tests move the recipient between real nodes (real ZooKeeper, real MariaDB) and check that a
// remembered place that went stale still delivers every message exactly once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ZkSession } from '../src/zk/zk-session.js';
import { ChatUser } from './support/chat-user.js';
import type { DchatProcess } from './support/dchat-process.js';
import { startTestCluster, type TestCluster } from './support/test-cluster.js';
import { waitFor } from './support/wait.js';

describe('cluster routing with remembered places', () => {
  let cluster: TestCluster;
  let zk: ZkSession;
  let nodes: DchatProcess[] = [];
  const users: ChatUser[] = [];
  const connect = async (node: DchatProcess, registered: ChatUser): Promise<ChatUser> => {
    const user = new ChatUser(registered.name, node.host, node.port);
    user.id = registered.id;
    users.push(user);
    await user.client.connect();
    await user.login();
    return user;
  };
  const presenceNames = async (user: ChatUser, node: DchatProcess | undefined): Promise<void> => {
    const expected = node ? `"nodeId":"${node.host}:${node.port}"` : undefined;
    await waitFor(async () => {
      const data = (await zk.getData(`/dchat/presence/${user.id}`))?.data.toString();
      return (expected === undefined ? data === undefined : data?.includes(expected)) || undefined;
    }, 5000, `presence of ${user.name} to name ${node ? `${node.host}:${node.port}` : 'no node'}`);
  };

  before(async () => {
    cluster = await startTestCluster({ nodes: 3 });
    ({ zk, nodes } = cluster);
  });
  after(async () => {
    for (const u of users) u.close();
    await cluster?.stop();
  });

  test('a recipient who moved to another node after a message gets the next one there, once', async () => {
    const [a, b, c] = nodes as [DchatProcess, DchatProcess, DchatProcess];
    const ann = await ChatUser.registered('p-ann', a.host, a.port);
    const bo = await ChatUser.registered('p-bo', b.host, b.port);
    users.push(ann, bo);
    await ann.login();
    await bo.login();
    await presenceNames(bo, b);
    await ann.client.call({ chat: { toId: bo.id, text: 'to b' } });
    await bo.waitForMessage('to b');

    const boOnC = await connect(c, bo);
    await waitFor(() => bo.closed || undefined, 5000, "bo's connection to node b to be closed by the login on c");
    await presenceNames(bo, c);
    const sent = await ann.client.call({ chat: { toId: bo.id, text: 'to c' } });
    const got = await boOnC.waitForMessage('to c');
    assert.equal(got.id, sent.sent?.messageId);
    assert.equal(boOnC.messages().filter((m) => m.text === 'to c').length, 1);
    assert.equal(bo.messages().filter((m) => m.text === 'to c').length, 0, 'the stale node b showed nothing');
  });

  test('a recipient who left after a message gets the next one at the next login, once', async () => {
    const [a, b, c] = nodes as [DchatProcess, DchatProcess, DchatProcess];
    const cy = await ChatUser.registered('p-cy', a.host, a.port);
    const dee = await ChatUser.registered('p-dee', b.host, b.port);
    users.push(cy, dee);
    await cy.login();
    await dee.login();
    await presenceNames(dee, b);
    await cy.client.call({ chat: { toId: dee.id, text: 'hello' } });
    await dee.waitForMessage('hello');
    dee.close();
    await presenceNames(dee, undefined);

    await cy.client.call({ chat: { toId: dee.id, text: 'while away' } });
    const deeBack = await connect(c, dee);
    await deeBack.waitForMessage('while away');
    await cy.client.call({ chat: { toId: dee.id, text: 'welcome back' } });
    await deeBack.waitForMessage('welcome back');
    assert.deepEqual(deeBack.messages().map((m) => m.text).filter((t) => t !== 'hello'), ['while away', 'welcome back']);
  });
});
