// A chat node stopping in a cluster (SIGTERM) hands its clients to the other nodes without a
// storm: it leaves /dchat/nodes and the service registry first (no node sends it the logins of
// the very clients it sends away), tells its clients SHUTTING_DOWN --drain-rate a second while
// it serves the rest as before, and hands each login over instead of ending it: a friend is not
// told "offline" for a user who is back on another node a moment later.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../src/gen/proto.js';
import { ChatUser } from './support/chat-user.js';
import type { DchatProcess } from './support/dchat-process.js';
import { startTestCluster, type TestCluster } from './support/test-cluster.js';
import { waitFor } from './support/wait.js';

let cluster: TestCluster;
const users: ChatUser[] = [];

before(async () => {
  cluster = await startTestCluster({ nodes: 1 });
  // One client a second: the drain of three clients lasts seconds, long enough to look inside.
  await cluster.startNode(['--drain-rate', '1']);
});
after(async () => {
  for (const u of users) u.close();
  await cluster?.stop();
});

const presenceOf = async (userId: number): Promise<string | undefined> => {
  const found = await cluster.zk.getData(`/dchat/presence/${userId}`);
  return found ? String((JSON.parse(found.data.toString()) as Record<string, unknown>)['nodeId']) : undefined;
};

const isShuttingDown = (e: dchat.client.Event): boolean => e.kicked?.code === dchat.client.KickCode.SHUTTING_DOWN;

test('a stopping node leaves the registry first, sends its clients away one a second while serving the others, and hands their logins over', async () => {
  const [stays, stopping] = cluster.nodes as [DchatProcess, DchatProcess];
  const rpcAddress = /; rpc (\S+); storage/.exec(stopping.output())?.[1] ?? assert.fail(`no rpc address in: ${stopping.output()}`);
  const dan = await ChatUser.registered('drain-dan', stays.host, stays.port);
  const moving = await Promise.all(['drain-ann', 'drain-bob', 'drain-cat'].map((name) => ChatUser.registered(name, stopping.host, stopping.port)));
  users.push(dan, ...moving);
  await dan.login();
  const tokens = await Promise.all(moving.map(async (u) => (await u.login()).login?.resumeToken ?? ''));
  for (const u of moving) {
    await dan.client.call({ addFriend: { friendId: u.id } });
    await u.client.call({ addFriend: { friendId: dan.id } });
  }

  process.kill(stopping.pid, 'SIGTERM');
  await waitFor(async () => (await cluster.zk.getData(`/UserServiceRpc/${rpcAddress}`)) === undefined, 5_000, `the stopping node to leave /UserServiceRpc (${rpcAddress})`);
  assert.equal(await cluster.zk.getData(`/dchat/nodes/${stopping.host}:${stopping.port}`), undefined, 'it has left /dchat/nodes too');
  const notYet = moving.filter((u) => !u.events.some(isShuttingDown));
  assert.ok(notYet.length >= 2, `out of the registry, the node has sent away at most one client so far: ${3 - notYet.length}`);
  const served = notYet[notYet.length - 1] as ChatUser;
  const sent = await served.client.call({ chat: { toId: dan.id, text: 'written while my node drains' } });
  assert.ok((sent.sent?.messageId ?? 0) > 0, 'a client not sent away yet is served as before');
  await dan.waitForMessage('written while my node drains');

  // Each client told SHUTTING_DOWN moves to the node that stays, with its resume token.
  for (const [i, u] of moving.entries()) {
    await u.waitForEvent(isShuttingDown, 'SHUTTING_DOWN', 10_000);
    const back = new ChatUser(u.name, stays.host, stays.port);
    users.push(back);
    await back.client.connect();
    back.id = u.id;
    await back.client.call({ resume: { userId: u.id, token: tokens[i] ?? '' } });
  }
  assert.equal(await stopping.exited(), 0, 'the stopping node exits 0');
  const offline = dan.events.filter((e) => e.presence && e.presence.online === false);
  assert.deepEqual(offline.map((e) => e.presence?.userId), [], 'dan is told nobody went offline: his friends only moved');
  for (const u of moving) assert.equal(await presenceOf(u.id), `${stays.host}:${stays.port}`, `${u.name}'s presence names the node that stays`);
});

test('a login that moves a user off a stopping node does not wait for that node, even when it does not answer', async () => {
  const stays = cluster.nodes[0] as DchatProcess;
  const stopping = await cluster.startNode(['--drain-rate', '1']);
  const moving = await Promise.all(['stall-ann', 'stall-bob'].map((name) => ChatUser.registered(name, stopping.host, stopping.port)));
  users.push(...moving);
  const tokens = await Promise.all(moving.map(async (u) => (await u.login()).login?.resumeToken ?? ''));
  // A message from the other node opens its connection to the stopping one (a push), as in a
  // cluster that chats: a call on it then waits for an answer, not for a connect to time out.
  const eve = await ChatUser.registered('stall-eve', stays.host, stays.port);
  users.push(eve);
  await eve.login();
  for (const u of moving) {
    await eve.client.call({ chat: { toId: u.id, text: `hello ${u.name}` } });
    await u.waitForMessage(`hello ${u.name}`);
  }

  process.kill(stopping.pid, 'SIGTERM');
  await waitFor(async () => (await cluster.zk.getData(`/dchat/nodes/${stopping.host}:${stopping.port}`)) === undefined, 5_000, 'the stopping node to leave /dchat/nodes');
  // Frozen mid-drain: it answers nothing, not even the other node's request to end a session.
  process.kill(stopping.pid, 'SIGSTOP');
  try {
    const stoppingId = `${stopping.host}:${stopping.port}`;
    const index = await (async () => {
      for (const [i, u] of moving.entries()) if ((await presenceOf(u.id)) === stoppingId) return i;
      return assert.fail('no user\'s presence names the stopping node any more');
    })();
    const user = moving[index] as ChatUser;
    const back = new ChatUser(user.name, stays.host, stays.port);
    users.push(back);
    await back.client.connect();
    const startMs = Date.now();
    await back.client.call({ resume: { userId: user.id, token: tokens[index] ?? '' } });
    const tookMs = Date.now() - startMs;
    // The call to a node that does not answer would wait for the node-to-node deadline (3 s).
    assert.ok(tookMs < 2_000, `the resume on the other node was answered in ${tookMs} ms, without waiting for the frozen node`);
    assert.equal(await presenceOf(user.id), `${stays.host}:${stays.port}`, 'the presence names the node the user is on now');
  } finally {
    process.kill(stopping.pid, 'SIGCONT');
  }
  assert.equal(await stopping.exited(), 0, 'the stopping node, thawed, finishes its drain and exits 0');
});

test('a user whose client does not come back after the drain is logged out for their friends; one who comes back is not', async () => {
  const stays = cluster.nodes[0] as DchatProcess;
  const stopping = await cluster.startNode();
  const dan = await ChatUser.registered('left-dan', stays.host, stays.port);
  const [gone, back] = await Promise.all(['left-ann', 'left-bob'].map((name) => ChatUser.registered(name, stopping.host, stopping.port))) as [ChatUser, ChatUser];
  users.push(dan, gone, back);
  await dan.login();
  await gone.login();
  const token = (await back.login()).login?.resumeToken ?? '';
  for (const u of [gone, back]) {
    await dan.client.call({ addFriend: { friendId: u.id } });
    await u.client.call({ addFriend: { friendId: dan.id } });
  }

  process.kill(stopping.pid, 'SIGTERM');
  await back.waitForEvent(isShuttingDown, 'SHUTTING_DOWN', 10_000);
  const returned = new ChatUser(back.name, stays.host, stays.port);
  users.push(returned);
  await returned.client.connect();
  returned.id = back.id;
  await returned.client.call({ resume: { userId: back.id, token } });
  // left-ann's client is told SHUTTING_DOWN too, and never connects again.
  await gone.waitForEvent(isShuttingDown, 'SHUTTING_DOWN', 10_000);

  await dan.waitForEvent((e) => e.presence?.userId === gone.id && e.presence.online === false, `left-ann (user ${gone.id}) offline`, 15_000);
  assert.equal(await stopping.exited(), 0, 'the stopping node exits 0');
  assert.match(stopping.output(), /1 user\(s\) sent away did not log in again elsewhere: logged out, their friends told/);
  assert.equal(await presenceOf(gone.id), undefined, "left-ann's presence is gone");
  assert.equal(await presenceOf(back.id), `${stays.host}:${stays.port}`, "left-bob's presence names the node he came back to");
  const offline = dan.events.filter((e) => e.presence?.online === false).map((e) => e.presence?.userId);
  assert.deepEqual(offline, [gone.id], 'left-dan is told left-ann went offline, and nothing of left-bob, who only moved');
  const friends = await dan.client.call({ friendList: {} });
  const online = new Map((friends.friendList?.friends ?? []).map((f) => [f.id, f.online]));
  assert.deepEqual([online.get(gone.id), online.get(back.id)], [false, true], 'and his friend list agrees');
});
