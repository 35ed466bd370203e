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
      'friends-per-user=2,groups-per-user=2,members-per-group=3,pending-per-recipient=2',
    ]);
  });
  after(async () => {
    for (const u of users) u.close();
    await server?.stop();
  });

  test('addfriend is refused past friends-per-user, naming whose list is full', async () => {
    const ann = await person('ann');
    const [b, c, d] = [await person('b'), await person('c'), await person('d')];
    for (const f of [b, c]) assert.equal((await ann.client.request({ addFriend: { friendId: f.id } })).status, Status.OK);
    await ann.expectRefusal({ addFriend: { friendId: d.id } }, Status.RESOURCE_EXHAUSTED, /^you have 2 friends, the most a user may have; delete one with delfriend first$/);
    await d.expectRefusal({ addFriend: { friendId: ann.id } }, Status.RESOURCE_EXHAUSTED, new RegExp(`^user ${ann.id} has 2 friends, the most a user may have$`));
    await ann.expectRefusal({ addFriend: { friendId: b.id } }, Status.ALREADY_EXISTS, /is already your friend/);
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

  test('a sender faster than messages-per-second or group-sends-per-second is refused with the wait', async (t) => {
    // A node of its own: here the pending limit of 2 would refuse the burst before the rate does.
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
    // Sent together, so the bucket (twice the rate: 6) has no time to refill.
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => fast.client.request({ chat: { toId: peer.id, text: `m${i}` } })));
    const refused = answers.filter((a) => a.status === Status.RESOURCE_EXHAUSTED);
    assert.ok(answers.slice(0, 6).every((a) => a.status === Status.OK), 'a burst of twice the rate passes');
    assert.ok(refused.length >= 1, `the flood is refused; statuses: ${answers.map((a) => Status[a.status]).join(', ')}`);
    assert.match(refused[0]?.errorText ?? '', /^you are sending messages faster than 3 per second; this one was not sent: send it again in \d+ ms$/);

    const grouper = await on('grouper');
    const groupId = (await grouper.client.call({ createGroup: { name: `fastgroup${counter}`, desc: '' } })).group?.group?.id ?? 0;
    const groupAnswers = await Promise.all(Array.from({ length: 4 }, (_, i) => grouper.client.request({ groupChat: { groupId, text: `g${i}` } })));
    assert.deepEqual(groupAnswers.slice(0, 2).map((a) => Status[a.status]), ['OK', 'OK']);
    assert.match(groupAnswers[3]?.errorText ?? '', /^you are sending group messages faster than 1 per second; this one was not sent: send it again in \d+ ms$/);
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
