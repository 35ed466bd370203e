// Fault: a user logs in on node A while node B, where they are logged in already, is cut off from
// ZooKeeper long enough for its session to expire. A found no presence for the user (the expiry
// removed B's), so nobody told B. When B is back, it must not put its old claim over A's newer
// one: it ends its own session of the user (LOGGED_IN_ELSEWHERE), and messages to the user reach
// the login on A. Node B reaches ZooKeeper through a relay that the test cuts and restores.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../src/gen/proto.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { startFaultyRelay, type FaultyRelay } from './support/faulty-relay.js';
import { startTestCluster, type TestCluster } from './support/test-cluster.js';
import { waitFor } from './support/wait.js';
import { zkSessionPassword } from './support/zk-session-password.js';
import { expireSession } from './support/zookeeper.js';

describe('cluster fault: a user moves to another node while their node\'s ZooKeeper session is expired', () => {
  let cluster: TestCluster;
  let relay: FaultyRelay;
  const users: ChatUser[] = [];

  before(async () => {
    cluster = await startTestCluster({ nodes: 1 });
    relay = await startFaultyRelay(cluster.zkServer.ports[0] ?? 0);
    const viaRelay = await startDchatServer(['--zk', `127.0.0.1:${relay.port}`, '--db', cluster.db.url, '--password-cost', 'test']);
    cluster.nodes.push(viaRelay);
  });
  after(async () => {
    for (const u of users) u.client.close();
    await cluster?.stop();
    await relay?.close();
  });

  const presenceOf = async (userId: number): Promise<string | undefined> => {
    const found = await cluster.zk.getData(`/dchat/presence/${userId}`);
    return found ? String((JSON.parse(found.data.toString()) as Record<string, unknown>)['nodeId']) : undefined;
  };

  test('the node back from the expiry leaves the newer login alone and ends its own', async () => {
    const [a, b] = cluster.nodes as [DchatProcess, DchatProcess];
    const [aId, bId] = [`${a.host}:${a.port}`, `${b.host}:${b.port}`];
    const ann = await ChatUser.registered('pm-ann', a.host, a.port);
    const boOnB = await ChatUser.registered('pm-bo', b.host, b.port);
    users.push(ann, boOnB);
    assert.equal((await ann.login()).status, dchat.Status.OK);
    assert.equal((await boOnB.login()).status, dchat.Status.OK);
    await waitFor(async () => (await presenceOf(boOnB.id)) === bId, 10_000, `bo's presence on node B (${bId})`);
    const bSession = (await cluster.zk.exists(`/dchat/nodes/${bId}`))?.ephemeralOwner ?? '';

    // B is cut off and its session expires: bo's presence goes with it.
    relay.block();
    await expireSession(cluster.zkServer.connectString, bSession, zkSessionPassword(bSession));
    await waitFor(async () => (await presenceOf(boOnB.id)) === undefined || undefined, 10_000, 'the expiry to remove bo\'s presence');

    // Meanwhile bo logs in on A, which finds no presence and so asks nobody to end anything.
    const boOnA = new ChatUser('pm-bo', a.host, a.port);
    users.push(boOnA);
    boOnA.id = boOnB.id;
    await boOnA.client.connect();
    assert.equal((await boOnA.login()).status, dchat.Status.OK);
    await waitFor(async () => (await presenceOf(boOnB.id)) === aId, 10_000, `bo's presence on node A (${aId})`);
    assert.equal(boOnB.events.some((e) => e.kicked), false, 'B heard nothing of the login on A while cut off');

    // B is back: it opens a new session, finds A's claim on bo, keeps it and ends its own bo.
    relay.unblock();
    const kicked = await boOnB.waitForEvent((e) => Boolean(e.kicked), 'a kick when node B is back', 30_000);
    assert.equal(kicked.kicked?.code, dchat.client.KickCode.LOGGED_IN_ELSEWHERE);
    await waitFor(async () => (await cluster.zk.exists(`/dchat/nodes/${bId}`))?.ephemeralOwner !== bSession || undefined, 10_000, 'node B to be back in a new session');
    assert.equal(await presenceOf(boOnB.id), aId, 'A\'s newer claim on bo stays');

    const sent = await ann.client.call({ chat: { toId: boOnB.id, text: 'to bo, wherever' } });
    assert.ok((sent.sent?.messageId ?? 0) > 0);
    await boOnA.waitForMessage('to bo, wherever');
    assert.equal(boOnB.messages().length, 0, 'the ended session on B got nothing');
  });
});
