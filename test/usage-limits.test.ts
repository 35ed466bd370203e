// End to end: a real `dchat server` started with small `--limit` values refuses what passes each
// per-user limit with RESOURCE_EXHAUSTED, and a group message skips the member whose queue is full.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../src/gen/proto.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { runDchat } from './support/run-dchat.js';

const { Status } = dchat;

describe('per-user limits', () => {
  let server: DchatProcess;
  const users: ChatUser[] = [];
  let counter = 0;
  const person = async (prefix: string, options: { autoAck?: boolean } = {}): Promise<ChatUser> => {
    const user = await ChatUser.registered(`${prefix}${++counter}`, server.host, server.port, options);
    users.push(user);
    await user.login();
    return user;
  };

  before(async () => {
    server = await startDchatServer([
      '--password-cost', 'test',
      '--limit',
      'friends-per-user=2,friend-requests-per-user=2,groups-per-user=2,members-per-group=3,pending-per-recipient=2',
    ]);
  });
  after(async () => {
    for (const u of users) u.close();
    await server?.stop();
  });

  test('addfriend is refused past friends-per-user, naming whose list is full', async () => {
    const ann = await person('ann');
    const [b, c, d] = [await person('b'), await person('c'), await person('d')];
    for (const f of [b, c]) {
      assert.equal((await ann.client.request({ addFriend: { friendId: f.id } })).friend?.requested, true);
      assert.equal((await f.client.request({ addFriend: { friendId: ann.id } })).friend?.requested, false, 'accepted');
    }
    await ann.expectRefusal({ addFriend: { friendId: d.id } }, Status.RESOURCE_EXHAUSTED, /^you have 2 friends, the most a user may have; delete one with delfriend first$/);
    await d.expectRefusal({ addFriend: { friendId: ann.id } }, Status.RESOURCE_EXHAUSTED, new RegExp(`^user ${ann.id} has 2 friends, the most a user may have$`));
    await ann.expectRefusal({ addFriend: { friendId: b.id } }, Status.ALREADY_EXISTS, /is already your friend/);
  });

  test('addfriend is refused past friend-requests-per-user, for the asker and for the one asked', async () => {
    const asker = await person('asker');
    const [p1, p2, p3] = [await person('p'), await person('p'), await person('p')];
    for (const p of [p1, p2]) assert.equal((await asker.client.request({ addFriend: { friendId: p.id } })).friend?.requested, true);
    await asker.expectRefusal({ addFriend: { friendId: p3.id } }, Status.RESOURCE_EXHAUSTED,
      /^you have 2 friend requests waiting for an answer, the most a user may have; withdraw one with delfriend, or wait until they expire$/);
    assert.equal((await asker.client.request({ delFriend: { friendId: p1.id } })).delFriend?.wasRequest, true, 'withdrawn');
    assert.equal((await asker.client.request({ addFriend: { friendId: p3.id } })).friend?.requested, true, 'room again');

    const popular = await person('popular');
    const [f1, f2, f3] = [await person('f'), await person('f'), await person('f')];
    for (const f of [f1, f2]) assert.equal((await f.client.request({ addFriend: { friendId: popular.id } })).friend?.requested, true);
    await f3.expectRefusal({ addFriend: { friendId: popular.id } }, Status.RESOURCE_EXHAUSTED,
      new RegExp(`^user ${popular.id} has 2 friend requests waiting, the most a user may have; ask again later$`));
    assert.equal((await popular.client.request({ delFriend: { friendId: f1.id } })).delFriend?.wasRequest, true, 'declined');
    assert.equal((await f3.client.request({ addFriend: { friendId: popular.id } })).friend?.requested, true, 'room again');
  });

  test('creategroup and addgroup are refused past groups-per-user, addgroup past members-per-group', async () => {
    const owner = await person('owner');
    const g1 = (await owner.client.call({ createGroup: { name: `first${counter}`, desc: '' } })).group?.group?.id ?? 0;
    await owner.client.call({ createGroup: { name: `second${counter}`, desc: '' } });
    await owner.expectRefusal({ createGroup: { name: `third${counter}`, desc: '' } }, Status.RESOURCE_EXHAUSTED, /^you are in 2 groups, the most a user may be in; leave one with delgroup first$/);
    const [m1, m2, m3] = [await person('m'), await person('m'), await person('m')];
    for (const m of [m1, m2]) assert.equal((await m.client.request({ addGroup: { groupId: g1 } })).status, Status.OK);
    await m3.expectRefusal({ addGroup: { groupId: g1 } }, Status.RESOURCE_EXHAUSTED, new RegExp(`^group ${g1} \\(first\\d+\\) is full: it has 3 members, the most a group may have$`));
    const other = (await m3.client.call({ createGroup: { name: `m3a${counter}`, desc: '' } })).group?.group?.id ?? 0;
    await m3.client.call({ createGroup: { name: `m3b${counter}`, desc: '' } });
    await owner.expectRefusal({ addGroup: { groupId: other } }, Status.RESOURCE_EXHAUSTED, /you are in 2 groups/);
  });

  test('past pending-per-recipient a chat is refused and not stored, and a group message skips that member', async () => {
    const sender = await person('sender');
    const away = await person('away');
    const present = await person('present');
    away.close(); // logged out: everything for them waits
    await sender.client.call({ chat: { toId: away.id, text: 'one' } });
    await sender.client.call({ chat: { toId: away.id, text: 'two' } });
    await sender.expectRefusal({ chat: { toId: away.id, text: 'three' } }, Status.RESOURCE_EXHAUSTED,
      new RegExp(`^user ${away.id} has 2 messages waiting, the most one user may have; this one was not stored: send it again once they have read theirs$`));

    const groupId = (await sender.client.call({ createGroup: { name: `crowd${counter}`, desc: '' } })).group?.group?.id ?? 0;
    // away joins through a new connection, then leaves it again; present stays online
    const awayAgain = new ChatUser(away.name, server.host, server.port, { autoAck: false });
    users.push(awayAgain);
    awayAgain.id = away.id;
    await awayAgain.client.connect();
    // logging in replays the pending messages: do not acknowledge them, so the queue stays full
    await awayAgain.client.call({ login: { userId: away.id, password: `${away.name}-secret` } });
    await awayAgain.client.call({ addGroup: { groupId } });
    awayAgain.close();
    await present.client.call({ addGroup: { groupId } });
    const sent = await sender.client.call({ groupChat: { groupId, text: 'all hands' } });
    assert.ok((sent.sent?.messageId ?? 0) > 0, 'the group message is stored');
    await present.waitForMessage('all hands');

    const back = new ChatUser(away.name, server.host, server.port, { autoAck: false });
    users.push(back);
    back.id = away.id;
    await back.client.connect();
    const login = await back.login();
    assert.equal(login.login?.pending, 2, 'the group message was not queued for the member whose queue was full');
    const history = await back.client.call({ history: { groupId } });
    assert.deepEqual(history.history?.messages?.map((m) => m.text), ['all hands'], 'the member reads it in the history');
  });

  test('a sender faster than messages-per-second or group-sends-per-second is paced to the rate, and nothing is lost', async (t) => {
    // A node of its own: here the pending limit of 2 would refuse the burst before the rate shows.
    const node = await startDchatServer(['--password-cost', 'test', '--limit', 'messages-per-second=3,group-sends-per-second=1']);
    t.after(() => node.stop());
    const on = async (name: string): Promise<ChatUser> => {
      const user = await ChatUser.registered(name, node.host, node.port);
      users.push(user);
      await user.login();
      return user;
    };
    const fast = await on('fast');
    const peer = await on('peer');
    // Sent together: a burst of twice the rate (6) goes at once, the other 6 one every third of a second.
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => fast.client.call({ chat: { toId: peer.id, text: `m${i}` } })));
    const times = answers.map((a) => a.sent?.sentAtMs ?? 0);
    assert.ok((times[11] ?? 0) - (times[0] ?? 0) >= 1900, `12 messages at 3 per second after a burst of 6 take 2 s; they took ${(times[11] ?? 0) - (times[0] ?? 0)} ms`);
    assert.ok((times[5] ?? 0) - (times[0] ?? 0) < 1000, 'the burst is not held back');
    for (let i = 0; i < 12; i++) await peer.waitForMessage(`m${i}`);

    const grouper = await on('grouper');
    const groupId = (await grouper.client.call({ createGroup: { name: 'fastgroup', desc: '' } })).group?.group?.id ?? 0;
    const groupAnswers = await Promise.all(Array.from({ length: 4 }, (_, i) => grouper.client.call({ groupChat: { groupId, text: `g${i}` } })));
    const groupTimes = groupAnswers.map((a) => a.sent?.sentAtMs ?? 0);
    assert.ok((groupTimes[3] ?? 0) - (groupTimes[0] ?? 0) >= 1900, `4 group messages at 1 per second after a burst of 2 take 2 s; they took ${(groupTimes[3] ?? 0) - (groupTimes[0] ?? 0)} ms`);
  });

  test('a --limit with an unknown name or a bad value stops the server with the fix', async () => {
    const unknown = await runDchat(['server', '--port', '0', '--limit', 'friends=10']);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /--limit "friends=10": unknown limit "friends"; give name=value with one of friends-per-user, groups-per-user/);
    const bad = await runDchat(['server', '--port', '0', '--limit', 'friends-per-user=lots']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--limit "friends-per-user=lots": the value must be a whole number of at least 1, e.g. --limit friends-per-user=100/);
  });
});
