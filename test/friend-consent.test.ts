// End to end: friendship takes both sides' consent on a real `dchat server`. A stranger who asks
// learns nothing of her presence; she sees the request as an event and in her login answer, and
// only once she accepts do they become friends and see each other come and go.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../src/gen/proto.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';

const { Status } = dchat;

describe('friendship by consent', () => {
  let server: DchatProcess;
  const users: ChatUser[] = [];
  const person = async (name: string): Promise<ChatUser> => {
    const user = await ChatUser.registered(name, server.host, server.port);
    users.push(user);
    return user;
  };

  before(async () => {
    server = await startDchatServer(['--password-cost', 'test']);
  });
  after(async () => {
    for (const u of users) u.close();
    await server?.stop();
  });

  test('a request shows nothing of presence until it is accepted, and reaches her as an event and at login', async () => {
    const her = await person('her');
    const stranger = await person('stranger');
    await her.login();
    await stranger.login();

    const asked = await stranger.client.call({ addFriend: { friendId: her.id } });
    assert.equal(asked.friend?.requested, true);
    assert.equal(asked.friend?.friend?.online ?? false, false, 'the answer to a request does not say whether she is online');
    const event = await her.waitForEvent((e) => Boolean(e.friendRequest), 'the friend request');
    assert.deepEqual({ id: event.friendRequest?.from?.id, name: event.friendRequest?.from?.name }, { id: stranger.id, name: 'stranger' });
    assert.deepEqual((await stranger.client.call({ friendList: {} })).friendList?.friends, [], 'not a friend yet');

    // She logs out and in again: the stranger is told nothing, and her login answer holds the request.
    await her.client.call({ logout: {} });
    const login = await her.login();
    assert.deepEqual(login.login?.friendRequests?.map((r) => r.from?.id), [stranger.id]);
    assert.deepEqual(login.login?.friends, []);

    await her.client.call({ addFriend: { friendId: stranger.id } });
    const accepted = await stranger.waitForEvent((e) => e.friendChanged?.added === true, 'the acceptance');
    assert.equal(accepted.friendChanged?.friend?.id, her.id);
    await her.client.call({ logout: {} });
    await stranger.waitForEvent((e) => e.presence?.userId === her.id && e.presence.online === false, 'her going offline, now that they are friends');
    assert.equal(stranger.events.filter((e) => e.presence).length, 1, 'the only presence event came after the acceptance');
  });

  test('she declines with delfriend: the asker is not told, and no friendship follows', async () => {
    const her = await person('her2');
    const pest = await person('pest');
    await her.login();
    await pest.login();
    await pest.client.call({ addFriend: { friendId: her.id } });
    await her.waitForEvent((e) => Boolean(e.friendRequest), 'the friend request');
    const declined = await her.client.call({ delFriend: { friendId: pest.id } });
    assert.equal(declined.delFriend?.wasRequest, true);
    assert.equal((await her.client.call({ addFriend: { friendId: pest.id } })).friend?.requested, true, 'answering later only asks');
    await pest.expectRefusal({ delFriend: { friendId: 987654 } }, Status.NOT_FOUND, /no friend request between you/);
    assert.equal(pest.events.filter((e) => e.friendChanged).length, 0, 'the decline was not announced');
  });
});
