// End to end: the door of a group on a real `dchat server`. Joining does not open its past: a new
// member reads the history from their join onwards. An invite-only group lets in only those its
// creator invites, or lets in after they asked; its sequential id opens nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../src/gen/proto.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';

describe('groups with a door', () => {
  let server: DchatProcess;
  const users: ChatUser[] = [];
  const person = async (name: string): Promise<ChatUser> => {
    const user = await ChatUser.registered(name, server.host, server.port);
    users.push(user);
    await user.login();
    return user;
  };

  before(async () => {
    server = await startDchatServer(['--password-cost', 'test']);
  });
  after(async () => {
    for (const u of users) u.close();
    await server?.stop();
  });

  test('a new member reads the history from their join onwards, not what was said before', async () => {
    const owner = await person('owner');
    const early = await person('early');
    const spy = await person('spy');
    const groupId = (await owner.client.call({ createGroup: { name: 'plans', desc: '' } })).group?.group?.id ?? 0;
    await early.client.call({ addGroup: { groupId } });
    await owner.client.call({ groupChat: { groupId, text: 'the secret plan' } });
    await spy.client.call({ addGroup: { groupId } });
    await owner.client.call({ groupChat: { groupId, text: 'welcome, spy' } });
    await spy.waitForMessage('welcome, spy');

    const texts = async (user: ChatUser): Promise<string[]> => ((await user.client.call({ history: { groupId } })).history?.messages ?? []).map((m) => m.text ?? '');
    assert.deepEqual(await texts(spy), ['welcome, spy'], 'the newcomer sees only what came after the join');
    assert.deepEqual(await texts(early), ['welcome, spy', 'the secret plan'], 'a member from before sees both');
    assert.deepEqual(await texts(owner), ['welcome, spy', 'the secret plan']);

    // Leaving and joining again starts a new join point.
    await spy.client.call({ delGroup: { groupId } });
    await owner.client.call({ groupChat: { groupId, text: 'spy has left' } });
    await spy.client.call({ addGroup: { groupId } });
    assert.deepEqual(await texts(spy), [], 'nothing said while away, nor before');
  });

  test('an invite-only group lets in only whom its creator invites or lets in, and a request shows nothing inside', async () => {
    const { Status } = dchat;
    const owner = await person('host');
    const guest = await person('guest');
    const stranger = await person('stranger');
    const created = await owner.client.call({ createGroup: { name: 'inner circle', desc: 'by invitation', inviteOnly: true } });
    const group = created.group?.group;
    const groupId = group?.id ?? 0;
    assert.equal(group?.inviteOnly, true);

    const asked = await stranger.client.call({ addGroup: { groupId } });
    assert.equal(asked.group?.asked, true, 'a user not invited only asks');
    assert.deepEqual(asked.group?.group?.members ?? [], [], 'and sees no member');
    const request = await owner.waitForEvent((e) => Boolean(e.groupJoinRequest), 'the request to join');
    assert.deepEqual({ groupId: request.groupJoinRequest?.groupId, user: request.groupJoinRequest?.user?.id }, { groupId, user: stranger.id });
    await stranger.expectRefusal({ groupChat: { groupId, text: 'let me in' } }, Status.PERMISSION_DENIED, /not a member/);
    await stranger.expectRefusal({ history: { groupId } }, Status.PERMISSION_DENIED, /not a member/);
    await stranger.expectRefusal({ addGroup: { groupId } }, Status.ALREADY_EXISTS, /you asked to join group \d+ \(inner circle\) already; its creator lets you in with invite/);
    await guest.expectRefusal({ invite: { groupId, userId: stranger.id } }, Status.PERMISSION_DENIED, /only the creator of group \d+ \(inner circle\), user \d+, lets people in/);

    const invited = await owner.client.call({ invite: { groupId, userId: guest.id } });
    assert.equal(invited.invite?.joined, false);
    const invitation = await guest.waitForEvent((e) => Boolean(e.groupInvite), 'the invitation');
    assert.equal(invitation.groupInvite?.group?.id, groupId);
    const joined = await guest.client.call({ addGroup: { groupId } });
    assert.equal(joined.group?.asked ?? false, false, 'an invited user joins');
    assert.deepEqual(joined.group?.group?.members?.map((m) => m.name), ['host', 'guest']);

    const letIn = await owner.client.call({ invite: { groupId, userId: stranger.id } });
    assert.equal(letIn.invite?.joined, true, 'inviting one who asked lets them in');
    await stranger.waitForEvent((e) => e.groupInvite?.joined === true, 'being let in');
    await stranger.client.call({ groupChat: { groupId, text: 'thanks for having me' } });
    await guest.waitForMessage('thanks for having me');
  });

  test('the members online are told who joins and who leaves, by name, and the one who moves is not', async () => {
    const owner = await person('rope');
    const early = await person('belay');
    const carol = await person('carol');
    const asker = await person('asker');
    const created = await owner.client.call({ createGroup: { name: 'climbers', desc: '' } });
    const groupId = created.group?.group?.id ?? 0;
    const memberEvent = (user: ChatUser, joined: boolean) => (e: dchat.client.Event): boolean =>
      e.groupMemberChanged?.user?.id === user.id && e.groupMemberChanged.joined === joined && e.groupMemberChanged.group?.id === groupId;

    await early.client.call({ addGroup: { groupId } });
    await owner.waitForEvent(memberEvent(early, true), 'belay joined');
    await carol.client.call({ addGroup: { groupId } });
    for (const member of [owner, early]) {
      const event = await member.waitForEvent(memberEvent(carol, true), 'carol joined');
      assert.deepEqual({ group: event.groupMemberChanged?.group?.name, user: event.groupMemberChanged?.user?.name }, { group: 'climbers', user: 'carol' });
    }
    await carol.client.call({ delGroup: { groupId } });
    await Promise.all([owner, early].map((member) => member.waitForEvent(memberEvent(carol, false), 'carol left')));
    assert.equal(carol.events.some((e) => e.groupMemberChanged), false, 'carol is told nothing of her own join or leave');

    // Let in by the creator of an invite-only group, after asking: named though the creator acted.
    const door = (await owner.client.call({ createGroup: { name: 'summit', desc: '', inviteOnly: true } })).group?.group?.id ?? 0;
    await owner.client.call({ invite: { groupId: door, userId: early.id } });
    await early.client.call({ addGroup: { groupId: door } });
    await asker.client.call({ addGroup: { groupId: door } });
    await owner.client.call({ invite: { groupId: door, userId: asker.id } });
    const letIn = await early.waitForEvent((e) => e.groupMemberChanged?.group?.id === door && e.groupMemberChanged.user?.id === asker.id, 'asker let into summit');
    assert.deepEqual({ name: letIn.groupMemberChanged?.user?.name, joined: letIn.groupMemberChanged?.joined }, { name: 'asker', joined: true });
  });
});
