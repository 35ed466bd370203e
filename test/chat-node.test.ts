// End to end: a real `dchat server` process (standalone: SQLite, services in-process), driven
// through real sockets by ChatClient, as two or three people would use it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../src/gen/proto.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { waitFor } from './support/wait.js';

const { Status } = dchat;

describe('standalone chat node', () => {
  let server: DchatProcess;
  const users: ChatUser[] = [];
  const newUser = async (name: string, options: { autoAck?: boolean } = {}): Promise<ChatUser> => {
    const user = await ChatUser.registered(name, server.host, server.port, options);
    users.push(user);
    return user;
  };
  const reconnect = async (user: ChatUser, options: { autoAck?: boolean } = {}): Promise<ChatUser> => {
    const again = new ChatUser(user.name, server.host, server.port, options);
    again.id = user.id;
    users.push(again);
    await again.client.connect();
    return again;
  };

  before(async () => {
    server = await startDchatServer();
  });
  after(async () => {
    for (const user of users) user.close();
    await server?.stop();
  });

  test('two users register, befriend and chat online; the message carries id, sender and server time', async () => {
    const alice = await newUser('alice');
    const bob = await newUser('bob');
    await alice.login();
    await bob.login();
    const asked = await alice.client.call({ addFriend: { friendId: bob.id } });
    assert.equal(asked.friend?.requested, true, 'addfriend asks; friendship takes consent');
    await bob.waitForEvent((e) => e.friendRequest?.from?.id === alice.id, 'the friend request of alice');
    const added = await bob.client.call({ addFriend: { friendId: alice.id } });
    assert.equal(added.friend?.requested, false);
    assert.equal(added.friend?.friend?.name, 'alice');
    assert.equal(added.friend?.friend?.online, true);
    const list = await alice.client.call({ friendList: {} });
    assert.deepEqual(list.friendList?.friends?.map((f) => f.name), ['bob'], 'friendship is mutual');
    const told = await alice.waitForEvent((e) => Boolean(e.friendChanged), 'that bob accepted');
    assert.deepEqual({ id: told.friendChanged?.friend?.id, name: told.friendChanged?.friend?.name, added: told.friendChanged?.added }, { id: bob.id, name: 'bob', added: true });

    const before = Date.now();
    const sent = await alice.client.call({ chat: { toId: bob.id, text: 'hello bob 你好 👋' } });
    const got = await bob.waitForMessage('hello bob 你好 👋');
    assert.equal(got.id, sent.sent?.messageId);
    assert.equal(got.fromId, alice.id);
    assert.equal(got.fromName, 'alice');
    assert.equal(got.toId, bob.id);
    assert.ok((got.sentAtMs ?? 0) >= before - 1000 && (got.sentAtMs ?? 0) <= Date.now() + 1000, 'server time is now');
  });

  test('a message to an offline user is replayed at login, once, and not again after it was acknowledged', async () => {
    const carol = await newUser('carol');
    const dave = await newUser('dave');
    await carol.login();
    const sent = await carol.client.call({ chat: { toId: dave.id, text: 'while you were away' } });
    const login = await dave.login();
    assert.equal(login.login?.pending, 1);
    const got = await dave.waitForMessage('while you were away');
    assert.equal(got.id, sent.sent?.messageId);
    // The ack is in flight once the message arrived; a ping after it proves the node processed it
    // (requests of one connection run in order).
    await dave.client.call({ ping: {} });
    await dave.client.call({ logout: {} });
    const again = await dave.login();
    assert.equal(again.login?.pending, 0, 'an acknowledged message is no longer pending');
  });

  test('an unacknowledged message is delivered again at the next login and the client can drop it by id', async () => {
    const erin = await newUser('erin');
    const frank = await newUser('frank', { autoAck: false });
    await erin.login();
    await frank.login();
    const sent = await erin.client.call({ chat: { toId: frank.id, text: 'ack me' } });
    await frank.waitForMessage('ack me');
    frank.close();
    const frank2 = await reconnect(frank, { autoAck: false });
    const login = await frank2.login();
    assert.equal(login.login?.pending, 1);
    const again = await frank2.waitForMessage('ack me');
    assert.equal(again.id, sent.sent?.messageId, 'same id: the client deduplicates by it');
    const acked = await frank2.client.call({ ack: { messageIds: [again.id ?? 0, again.id ?? 0, 999_999] } });
    assert.equal(acked.ack?.removed, 1, 'only the pending message counts');
  });

  test('group chat fans out to every member but the sender; only members may post; the creator deletes, others leave', async () => {
    const gina = await newUser('gina');
    const hank = await newUser('hank');
    const ivy = await newUser('ivy');
    const outsider = await newUser('olga');
    for (const u of [gina, hank, ivy, outsider]) await u.login();
    const created = await gina.client.call({ createGroup: { name: 'hikers', desc: 'weekend trips' } });
    const groupId = created.group?.group?.id ?? 0;
    assert.ok(groupId > 0);
    await hank.client.call({ addGroup: { groupId } });
    await ivy.client.call({ addGroup: { groupId } });
    await hank.expectRefusal({ addGroup: { groupId } }, Status.ALREADY_EXISTS);

    await gina.client.call({ groupChat: { groupId, text: 'saturday 9:00 at the station' } });
    const [toHank, toIvy] = await Promise.all([hank.waitForMessage('saturday 9:00 at the station'), ivy.waitForMessage('saturday 9:00 at the station')]);
    assert.equal(toHank.groupId, groupId);
    assert.equal(toHank.id, toIvy.id);
    await outsider.expectRefusal({ groupChat: { groupId, text: 'let me in' } }, Status.PERMISSION_DENIED, /not a member/);
    await outsider.expectRefusal({ delGroup: { groupId } }, Status.PERMISSION_DENIED, /not a member/);
    await hank.client.call({ ping: {} });
    assert.equal(gina.messages().length, 0, 'the sender is not sent her own message');

    const left = await ivy.client.call({ delGroup: { groupId } });
    assert.equal(left.delGroup?.deleted, false);
    await ivy.expectRefusal({ groupChat: { groupId, text: 'still here?' } }, Status.PERMISSION_DENIED);
    const deleted = await gina.client.call({ delGroup: { groupId } });
    assert.equal(deleted.delGroup?.deleted, true);
    await hank.waitForEvent((e) => e.groupChanged?.groupId === groupId, 'the group deletion');
    await hank.expectRefusal({ groupChat: { groupId, text: 'hello?' } }, Status.NOT_FOUND);
  });

  test('every request but register, login and ping is refused before login', async () => {
    const stranger = await newUser('stranger');
    for (const body of [{ chat: { toId: 1, text: 'x' } }, { addFriend: { friendId: 1 } }, { friendList: {} }, { createGroup: { name: 'g' } }, { logout: {} }, { history: { peerId: 1 } }]) {
      await stranger.expectRefusal(body, Status.UNAUTHENTICATED, /log in first/);
    }
    const pong = await stranger.client.call({ ping: { clientTimeMs: 42 } });
    assert.equal(pong.pong?.clientTimeMs, 42);
  });

  test('bad requests get a status and a sentence', async () => {
    const kim = await newUser('kim');
    const lee = await newUser('lee');
    await kim.expectRefusal({ register: { name: 'kim', password: 'another-secret' } }, Status.ALREADY_EXISTS, /taken/);
    await kim.expectRefusal({ register: { name: 'shorty', password: 'x' } }, Status.INVALID_ARGUMENT, /password/);
    await kim.expectRefusal({ login: { userId: kim.id, password: 'wrong' } }, Status.UNAUTHENTICATED, /wrong user id or password/);
    await kim.expectRefusal({ login: { userId: 987654, password: 'whatever' } }, Status.UNAUTHENTICATED, /wrong user id or password/);
    await kim.expectRefusal({ login: { userId: 0, password: 'whatever' } }, Status.INVALID_ARGUMENT);
    await kim.login();
    await kim.expectRefusal({ login: { userId: kim.id, password: 'kim-secret' } }, Status.FAILED_PRECONDITION, /already/);
    await kim.expectRefusal({ chat: { toId: 987654, text: 'anyone?' } }, Status.NOT_FOUND, /no user 987654/);
    await kim.expectRefusal({ chat: { toId: lee.id, text: '   ' } }, Status.INVALID_ARGUMENT, /empty/);
    await kim.expectRefusal({ chat: { toId: lee.id, text: 'x'.repeat(5000) } }, Status.INVALID_ARGUMENT, /at most 4096/);
    await kim.expectRefusal({ chat: { toId: kim.id, text: 'me' } }, Status.INVALID_ARGUMENT, /yourself/);
    await kim.expectRefusal({ addFriend: { friendId: 987654 } }, Status.NOT_FOUND);
    await kim.client.call({ addFriend: { friendId: lee.id } });
    await kim.expectRefusal({ addFriend: { friendId: lee.id } }, Status.ALREADY_EXISTS, /you asked user \d+ \(lee\) already/);
    await lee.login();
    await lee.client.call({ addFriend: { friendId: kim.id } });
    await kim.expectRefusal({ addFriend: { friendId: lee.id } }, Status.ALREADY_EXISTS, /already your friend/);
    await kim.client.call({ delFriend: { friendId: lee.id } });
    await lee.waitForEvent((e) => e.friendChanged?.added === false && e.friendChanged.friend?.id === kim.id, 'that kim ended the friendship');
    await kim.expectRefusal({ delFriend: { friendId: lee.id } }, Status.NOT_FOUND, /is not your friend, and there is no friend request between you/);
    await kim.expectRefusal({ addGroup: { groupId: 987654 } }, Status.NOT_FOUND);
    await kim.expectRefusal({ delGroup: { groupId: 987654 } }, Status.NOT_FOUND);
    await kim.expectRefusal({ createGroup: { name: '' } }, Status.INVALID_ARGUMENT);
    await kim.expectRefusal({}, Status.INVALID_ARGUMENT, /no command/);
  });

  test('a second login of the same user kicks the first connection', async () => {
    const max = await newUser('max');
    await max.login();
    const max2 = await reconnect(max);
    await max2.login();
    await max.waitForEvent((e) => e.kicked !== null && e.kicked !== undefined, 'a kick');
    await waitForClosed(max);
    const nora = await newUser('nora');
    await nora.login();
    await nora.client.call({ chat: { toId: max.id, text: 'to the new session' } });
    await max2.waitForMessage('to the new session');
  });

  test('history pages backwards through a conversation', async () => {
    const pam = await newUser('pam');
    const quinn = await newUser('quinn');
    await pam.login();
    for (let i = 1; i <= 5; i++) await pam.client.call({ chat: { toId: quinn.id, text: `m${i}` } });
    const page1 = await pam.client.call({ history: { peerId: quinn.id, limit: 3 } });
    assert.deepEqual(page1.history?.messages?.map((m) => m.text), ['m5', 'm4', 'm3']);
    assert.equal(page1.history?.hasMore, true);
    const oldest = page1.history?.messages?.at(-1)?.id ?? 0;
    const page2 = await pam.client.call({ history: { peerId: quinn.id, limit: 3, beforeId: oldest } });
    assert.deepEqual(page2.history?.messages?.map((m) => m.text), ['m2', 'm1']);
    assert.equal(page2.history?.hasMore, false);
  });
});

async function waitForClosed(user: ChatUser): Promise<void> {
  await waitFor(() => user.closed, 5000, `${user.name}'s old connection to close`);
}
