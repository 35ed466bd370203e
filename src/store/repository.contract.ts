// The behaviour every ChatRepository backend must show, as one suite that each backend's test
// file runs against a real database (sqlite-store.test.ts, mysql-store.test.ts). A case gets a
// fresh, migrated, empty repository from `open` and hands it to `cleanup` afterwards.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ChatRepository, MessageRow, NewMessage, UserRow } from './repository.js';
import { describeMessageKeyContract, type MessageKeyBehaviour } from './message-key.contract.js';
import { describeSessionTokenContract } from './session-token.contract.js';
import { StoreError } from './store-error.js';

const t0 = 1_700_000_000_000;

export function describeRepositoryContract(
  name: string,
  open: () => Promise<ChatRepository>,
  cleanup: (repo: ChatRepository) => Promise<void>,
  keys: MessageKeyBehaviour,
): void {
  describe(`${name} repository contract`, () => {
    let repo: ChatRepository;
    beforeEach(async () => {
      repo = await open();
    });
    afterEach(async () => {
      await cleanup(repo);
    });

    const user = async (userName: string): Promise<UserRow> => {
      const row = await repo.createUser(userName, `hash-of-${userName}`, t0);
      assert.ok(row, `user ${userName} could not be created`);
      return row;
    };
    const direct = (from: UserRow, to: UserRow, text: string, at = t0): NewMessage => ({
      fromId: from.id,
      toId: to.id,
      groupId: 0,
      text,
      sentAtMs: at,
      recipientIds: [to.id],
    });
    const ids = (rows: readonly MessageRow[]): number[] => rows.map((m) => m.id);
    const save = async (message: NewMessage): Promise<MessageRow> => {
      const saved = await repo.saveMessage(message);
      assert.equal(saved.isRepeat, false, `"${message.text}" was taken for a repeat`);
      return saved.row;
    };

    describe('users', () => {
      it('createUser returns the new row with an id, the hash, state offline and the creation time', async () => {
        const alice = await repo.createUser('alice', 'scrypt$1$1$1$c2FsdA==$aGFzaA==', t0 + 5);
        assert.ok(alice);
        assert.ok(alice.id > 0);
        assert.deepEqual(alice, {
          id: alice.id,
          name: 'alice',
          passwordHash: 'scrypt$1$1$1$c2FsdA==$aGFzaA==',
          state: 'offline',
          createdAtMs: t0 + 5,
        });
        assert.deepEqual(await repo.findUserById(alice.id), alice);
      });

      it('createUser returns undefined when the name is taken and leaves the first user as it was', async () => {
        const first = await user('bob');
        assert.equal(await repo.createUser('bob', 'other-hash', t0 + 1), undefined);
        assert.deepEqual(await repo.findUserById(first.id), first);
      });

      it('createUser treats names that differ only in case as different users', async () => {
        const lower = await user('carol');
        const upper = await user('Carol');
        assert.notEqual(lower.id, upper.id);
      });

      it('findUserById returns undefined for an id nobody has', async () => {
        assert.equal(await repo.findUserById(424242), undefined);
      });

      it('findUsersByIds returns the known users ordered by id and skips unknown ids', async () => {
        const a = await user('a');
        const b = await user('b');
        const c = await user('c');
        assert.deepEqual(await repo.findUsersByIds([c.id, 999_999, a.id]), [a, c]);
        assert.deepEqual(await repo.findUsersByIds([b.id, b.id]), [b]);
        assert.deepEqual(await repo.findUsersByIds([]), []);
      });

      it('setUserState changes the state that findUserById reports', async () => {
        const dave = await user('dave');
        await repo.setUserState(dave.id, 'online');
        assert.equal((await repo.findUserById(dave.id))?.state, 'online');
        await repo.setUserState(dave.id, 'offline');
        assert.equal((await repo.findUserById(dave.id))?.state, 'offline');
      });

      it('ids increase with every new user', async () => {
        const a = await user('first');
        const b = await user('second');
        assert.ok(b.id > a.id);
      });
    });

    describe('friends', () => {
      it('addFriendship makes each user a friend of the other, listed in both directions', async () => {
        const a = await user('a');
        const b = await user('b');
        assert.equal(await repo.addFriendship(a.id, b.id), true);
        assert.equal(await repo.areFriends(a.id, b.id), true);
        assert.equal(await repo.areFriends(b.id, a.id), true);
        assert.deepEqual(await repo.listFriends(a.id), [b]);
        assert.deepEqual(await repo.listFriends(b.id), [a]);
      });

      it('addFriendship returns false when the two already are friends, in either order', async () => {
        const a = await user('a');
        const b = await user('b');
        await repo.addFriendship(a.id, b.id);
        assert.equal(await repo.addFriendship(a.id, b.id), false);
        assert.equal(await repo.addFriendship(b.id, a.id), false);
        assert.deepEqual(await repo.listFriends(a.id), [b]);
      });

      it('removeFriendship ends the friendship both ways and returns false when there was none', async () => {
        const a = await user('a');
        const b = await user('b');
        const c = await user('c');
        await repo.addFriendship(a.id, b.id);
        await repo.addFriendship(a.id, c.id);
        assert.equal(await repo.removeFriendship(b.id, a.id), true);
        assert.equal(await repo.areFriends(a.id, b.id), false);
        assert.equal(await repo.areFriends(b.id, a.id), false);
        assert.deepEqual(await repo.listFriends(a.id), [c]);
        assert.deepEqual(await repo.listFriends(b.id), []);
        assert.equal(await repo.removeFriendship(a.id, b.id), false);
      });

      it('listFriends returns friends ordered by id', async () => {
        const a = await user('a');
        const friends = [await user('x'), await user('y'), await user('z')];
        for (const f of [...friends].reverse()) await repo.addFriendship(a.id, f.id);
        assert.deepEqual(await repo.listFriends(a.id), friends);
      });

      it('listFriends pages by id after afterId, at most limit, and countFriends counts them all', async () => {
        const a = await user('a');
        const friends = [await user('v'), await user('w'), await user('x'), await user('y'), await user('z')];
        for (const f of friends) await repo.addFriendship(a.id, f.id);
        assert.deepEqual(await repo.listFriends(a.id, { afterId: 0, limit: 2 }), friends.slice(0, 2));
        assert.deepEqual(await repo.listFriends(a.id, { afterId: friends[1]?.id ?? 0, limit: 2 }), friends.slice(2, 4));
        assert.deepEqual(await repo.listFriends(a.id, { afterId: friends[3]?.id ?? 0, limit: 2 }), friends.slice(4));
        assert.equal(await repo.countFriends(a.id), 5);
        assert.equal(await repo.countFriends(friends[0]?.id ?? 0), 1);
      });

      it('addFriendship with a user that does not exist rejects with StoreError DCHAT_STORE_FAILED', async () => {
        const a = await user('a');
        await assert.rejects(repo.addFriendship(a.id, 987_654), (err: unknown) => err instanceof StoreError && err.code === 'DCHAT_STORE_FAILED');
        assert.deepEqual(await repo.listFriends(a.id), []);
      });
    });

    describe('friend requests', () => {
      it('stores a request once, lists and counts those made since a time, and removes them', async () => {
        const a = await user('a');
        const b = await user('b');
        const c = await user('c');
        assert.equal(await repo.addFriendRequest(a.id, c.id, t0), true);
        assert.equal(await repo.addFriendRequest(a.id, c.id, t0 + 9), false, 'once per pair');
        assert.equal(await repo.addFriendRequest(b.id, c.id, t0 + 10), true);
        assert.equal(await repo.hasFriendRequest(a.id, c.id, t0), true);
        assert.equal(await repo.hasFriendRequest(a.id, c.id, t0 + 1), false, 'made before notBeforeMs');
        assert.equal(await repo.hasFriendRequest(c.id, a.id, 0), false, 'a request has a direction');
        assert.deepEqual(await repo.listFriendRequestsTo(c.id, 0, { afterId: 0, limit: 10 }), [
          { fromId: a.id, fromName: 'a', createdAtMs: t0 },
          { fromId: b.id, fromName: 'b', createdAtMs: t0 + 10 },
        ]);
        assert.deepEqual((await repo.listFriendRequestsTo(c.id, 0, { afterId: a.id, limit: 10 })).map((r) => r.fromId), [b.id]);
        assert.deepEqual((await repo.listFriendRequestsTo(c.id, t0 + 5, { afterId: 0, limit: 10 })).map((r) => r.fromId), [b.id]);
        assert.equal(await repo.countFriendRequests(c.id, 'to', 0), 2);
        assert.equal(await repo.countFriendRequests(a.id, 'from', 0), 1);
        assert.equal(await repo.removeExpiredFriendRequests(c.id, t0 + 5), 1);
        assert.equal(await repo.removeFriendRequest(b.id, c.id), true);
        assert.equal(await repo.removeFriendRequest(b.id, c.id), false);
        assert.equal(await repo.countFriendRequests(c.id, 'to', 0), 0);
      });
    });

    describe('pending counts', () => {
      it('usersWithPendingAtLeast names the users with at least that many pending messages, in id order', async () => {
        const a = await user('a');
        const b = await user('b');
        const c = await user('c');
        const d = await user('d');
        for (const text of ['1', '2', '3']) await save(direct(a, c, text));
        for (const text of ['1', '2']) await save(direct(a, b, text));
        await save(direct(a, d, 'only one'));
        assert.deepEqual(await repo.usersWithPendingAtLeast([d.id, c.id, b.id, a.id], 2), [b.id, c.id]);
        assert.deepEqual(await repo.usersWithPendingAtLeast([b.id, c.id], 3), [c.id]);
        assert.deepEqual(await repo.usersWithPendingAtLeast([], 1), []);
      });

      it('usersWithPendingAtLeast follows the saves, repeats, acknowledgements and group deletions after a first count', async () => {
        const a = await user('a');
        const b = await user('b');
        const c = await user('c');
        assert.deepEqual(await repo.usersWithPendingAtLeast([b.id, c.id], 1), [], 'nothing pending yet');
        const first = await save({ ...direct(a, b, 'keyed'), clientMsgId: 'k1' });
        const second = await save(direct(a, b, 'two'));
        assert.deepEqual(await repo.usersWithPendingAtLeast([b.id, c.id], 2), [b.id]);
        const repeat = await repo.saveMessage({ ...direct(a, b, 'keyed'), clientMsgId: 'k1', isResend: true });
        assert.equal(repeat.isRepeat, true);
        assert.deepEqual(await repo.usersWithPendingAtLeast([b.id], 3), [], 'a repeat adds no pending row');
        assert.equal(await repo.ackPending(b.id, [first.id]), 1);
        assert.deepEqual(await repo.usersWithPendingAtLeast([b.id], 2), [], 'one acknowledged, one left');
        assert.deepEqual(await repo.usersWithPendingAtLeast([b.id], 1), [b.id]);
        assert.equal(await repo.ackPending(b.id, [first.id, second.id]), 1);
        assert.deepEqual(await repo.usersWithPendingAtLeast([b.id], 1), [], 'all acknowledged');
        const group = await repo.createGroup('g', '', a.id, t0);
        assert.ok(group);
        await repo.addGroupMember(group.id, c.id, 'normal');
        await repo.saveMessage({ fromId: a.id, toId: 0, groupId: group.id, text: 'to the group', sentAtMs: t0, recipientIds: [c.id, c.id] });
        assert.deepEqual(await repo.usersWithPendingAtLeast([c.id, b.id], 1), [c.id], 'one pending row per recipient');
        assert.deepEqual(await repo.usersWithPendingAtLeast([c.id], 2), []);
        assert.equal(await repo.deleteGroup(group.id), true);
        assert.deepEqual(await repo.usersWithPendingAtLeast([c.id], 1), [], "the group's messages went with their pending rows");
      });
    });

    describe('saves under the pending cap', () => {
      it('saveMessageUnlessFull stores under the cap, and at the cap stores nothing and says so', async () => {
        const a = await user('a');
        const b = await user('b');
        const first = await repo.saveMessageUnlessFull({ ...direct(a, b, 'one'), clientMsgId: 'u1' }, 2);
        assert.ok(first !== 'recipient-full');
        assert.deepEqual(first, { row: { ...first.row, fromId: a.id, fromName: 'a', toId: b.id, groupId: 0, text: 'one' }, isRepeat: false });
        const second = await repo.saveMessageUnlessFull(direct(a, b, 'two'), 2);
        assert.ok(second !== 'recipient-full' && second.row.id > first.row.id);
        assert.equal(await repo.saveMessageUnlessFull(direct(a, b, 'three'), 2), 'recipient-full');
        assert.deepEqual((await repo.listPending(b.id, 0, 10)).map((m) => m.text), ['one', 'two'], 'the third was not stored');
        assert.equal(await repo.ackPending(b.id, [first.row.id]), 1);
        const third = await repo.saveMessageUnlessFull(direct(a, b, 'three'), 2);
        assert.ok(third !== 'recipient-full', 'room again after an acknowledgement');
        assert.deepEqual(await repo.listPendingRecipients(third.row.id), [b.id]);
        const repeat = await repo.saveMessageUnlessFull({ ...direct(a, b, 'one'), clientMsgId: 'u1', isResend: true }, 3);
        assert.deepEqual(repeat, { row: first.row, isRepeat: true }, 'a repeated key finds its message and stores nothing');
        assert.deepEqual((await repo.listPending(b.id, 0, 10)).map((m) => m.text), ['two', 'three']);
      });
    });

    describe('groups', () => {
      it('createGroup returns the group and makes its creator a member with role creator', async () => {
        const owner = await user('owner');
        const group = await repo.createGroup('rust', 'all things rust', owner.id, t0 + 7);
        assert.ok(group);
        assert.deepEqual(group, { id: group.id, name: 'rust', desc: 'all things rust', creatorId: owner.id, createdAtMs: t0 + 7, isInviteOnly: false });
        assert.deepEqual(await repo.findGroupById(group.id), group);
        assert.deepEqual(await repo.listGroupMembers(group.id), [{ groupId: group.id, userId: owner.id, userName: 'owner', role: 'creator' }]);
        assert.equal(await repo.isGroupMember(group.id, owner.id), true);
      });

      it('an invite-only group keeps the flag, and its door holds one invitation or request per user', async () => {
        const owner = await user('owner');
        const guest = await user('guest');
        const group = await repo.createGroup('private', '', owner.id, t0, true);
        assert.ok(group);
        assert.equal(group.isInviteOnly, true);
        assert.equal((await repo.findGroupById(group.id))?.isInviteOnly, true);
        assert.deepEqual((await repo.listGroupsOfUser(owner.id)).map((g) => g.isInviteOnly), [true]);
        assert.equal(await repo.addJoinRequest(group.id, guest.id, 'invited', t0), true);
        assert.equal(await repo.addJoinRequest(group.id, guest.id, 'asked', t0), false, 'one per user');
        assert.equal(await repo.findJoinRequest(group.id, guest.id, t0), 'invited');
        assert.equal(await repo.findJoinRequest(group.id, guest.id, t0 + 1), undefined, 'made before notBeforeMs');
        assert.equal(await repo.countJoinRequests(group.id, 0), 1);
        assert.equal(await repo.removeJoinRequest(group.id, guest.id), true);
        assert.equal(await repo.addJoinRequest(group.id, guest.id, 'asked', t0), true);
        assert.equal(await repo.findJoinRequest(group.id, guest.id, 0), 'asked');
        assert.equal(await repo.deleteGroup(group.id), true, 'a group with a request at its door is deleted with it');
        assert.equal(await repo.findJoinRequest(group.id, guest.id, 0), undefined);
      });

      it('createGroup returns undefined when the name is taken and changes nothing', async () => {
        const a = await user('a');
        const b = await user('b');
        const group = await repo.createGroup('club', '', a.id, t0);
        assert.ok(group);
        assert.equal(await repo.createGroup('club', 'again', b.id, t0), undefined);
        assert.deepEqual(await repo.listGroupsOfUser(b.id), []);
        assert.deepEqual(await repo.listGroupMembers(group.id), [{ groupId: group.id, userId: a.id, userName: 'a', role: 'creator' }]);
      });

      it('addGroupMember returns false for a member and removeGroupMember false for a non-member', async () => {
        const a = await user('a');
        const b = await user('b');
        const group = await repo.createGroup('g', '', a.id, t0);
        assert.ok(group);
        assert.equal(await repo.addGroupMember(group.id, b.id, 'normal'), true);
        assert.equal(await repo.addGroupMember(group.id, b.id, 'normal'), false);
        assert.equal(await repo.isGroupMember(group.id, b.id), true);
        assert.equal(await repo.removeGroupMember(group.id, b.id), true);
        assert.equal(await repo.removeGroupMember(group.id, b.id), false);
        assert.equal(await repo.isGroupMember(group.id, b.id), false);
      });

      it('listGroupMembers lists every member with name and role, and listGroupMemberIds their ids, ordered by user id', async () => {
        const a = await user('a');
        const b = await user('b');
        const c = await user('c');
        const group = await repo.createGroup('g', '', b.id, t0);
        assert.ok(group);
        await repo.addGroupMember(group.id, c.id, 'normal');
        await repo.addGroupMember(group.id, a.id, 'normal');
        assert.deepEqual(await repo.listGroupMembers(group.id), [
          { groupId: group.id, userId: a.id, userName: 'a', role: 'normal' },
          { groupId: group.id, userId: b.id, userName: 'b', role: 'creator' },
          { groupId: group.id, userId: c.id, userName: 'c', role: 'normal' },
        ]);
        assert.deepEqual(await repo.listGroupMemberIds(group.id), [a.id, b.id, c.id]);
        await repo.removeGroupMember(group.id, c.id);
        assert.deepEqual(await repo.listGroupMemberIds(group.id), [a.id, b.id]);
        assert.deepEqual(await repo.listGroupMemberIds(group.id + 1000), []);
      });

      it('listGroupsOfUser pages by id, listGroupMembers stops at limit, and both count', async () => {
        const a = await user('a');
        const b = await user('b');
        const c = await user('c');
        const groups = [];
        for (const name of ['g1', 'g2', 'g3']) {
          const group = await repo.createGroup(name, '', a.id, t0);
          assert.ok(group);
          groups.push(group);
        }
        const first = groups[0];
        assert.ok(first);
        await repo.addGroupMember(first.id, b.id, 'normal');
        await repo.addGroupMember(first.id, c.id, 'normal');
        assert.deepEqual(await repo.listGroupsOfUser(a.id, { afterId: 0, limit: 2 }), groups.slice(0, 2));
        assert.deepEqual(await repo.listGroupsOfUser(a.id, { afterId: groups[1]?.id ?? 0, limit: 2 }), groups.slice(2));
        assert.equal(await repo.countGroupsOfUser(a.id), 3);
        assert.equal(await repo.countGroupsOfUser(b.id), 1);
        assert.deepEqual((await repo.listGroupMembers(first.id, 2)).map((m) => m.userName), ['a', 'b']);
        assert.equal(await repo.countGroupMembers(first.id), 3);
      });

      it('listGroupsOfUser returns the groups the user belongs to, ordered by id', async () => {
        const a = await user('a');
        const b = await user('b');
        const g1 = await repo.createGroup('one', '', a.id, t0);
        const g2 = await repo.createGroup('two', '', b.id, t0);
        const g3 = await repo.createGroup('three', '', a.id, t0);
        assert.ok(g1 && g2 && g3);
        await repo.addGroupMember(g2.id, a.id, 'normal');
        assert.deepEqual(await repo.listGroupsOfUser(a.id), [g1, g2, g3]);
        assert.deepEqual(await repo.listGroupsOfUser(b.id), [g2]);
      });

      it('deleteGroup removes the group, its members and their pending group messages, and nothing else', async () => {
        const a = await user('a');
        const b = await user('b');
        const group = await repo.createGroup('doomed', '', a.id, t0);
        assert.ok(group);
        await repo.addGroupMember(group.id, b.id, 'normal');
        await save({ fromId: a.id, toId: 0, groupId: group.id, text: 'bye', sentAtMs: t0, recipientIds: [b.id] });
        const kept = await save(direct(a, b, 'still here'));
        assert.equal(await repo.deleteGroup(group.id), true);
        assert.equal(await repo.findGroupById(group.id), undefined);
        assert.deepEqual(await repo.listGroupMembers(group.id), []);
        assert.deepEqual(await repo.listGroupsOfUser(b.id), []);
        assert.deepEqual(ids(await repo.listPending(b.id, 0, 10)), [kept.id]);
        assert.equal(await repo.deleteGroup(group.id), false);
      });

      it('group ids are not reused after a group is deleted', async () => {
        const a = await user('a');
        const first = await repo.createGroup('g1', '', a.id, t0);
        assert.ok(first);
        await repo.deleteGroup(first.id);
        const second = await repo.createGroup('g1', '', a.id, t0);
        assert.ok(second && second.id > first.id);
      });
    });

    describe('messages', () => {
      it('saveMessage returns the stored row and marks it pending for each recipient', async () => {
        const a = await user('a');
        const b = await user('b');
        const c = await user('c');
        const group = await repo.createGroup('g', '', a.id, t0);
        assert.ok(group);
        const saved = await save({ fromId: a.id, toId: 0, groupId: group.id, text: 'hi all', sentAtMs: t0 + 3, recipientIds: [b.id, c.id] });
        assert.deepEqual(saved, { id: saved.id, fromId: a.id, fromName: 'a', toId: 0, groupId: group.id, text: 'hi all', sentAtMs: t0 + 3 });
        assert.deepEqual(await repo.listPending(b.id, 0, 10), [saved]);
        assert.deepEqual(await repo.listPending(c.id, 0, 10), [saved]);
        assert.deepEqual(await repo.listPending(a.id, 0, 10), []);
        const one = await save(direct(b, a, 'hello a'));
        assert.deepEqual(one, { id: one.id, fromId: b.id, fromName: 'b', toId: a.id, groupId: 0, text: 'hello a', sentAtMs: t0 });
      });

      it('saveMessage stores nothing when one recipient cannot be marked (the write is atomic)', async () => {
        const a = await user('a');
        const b = await user('b');
        const message = { ...direct(a, b, 'lost'), recipientIds: [b.id, 555_555] };
        await assert.rejects(repo.saveMessage(message), (err: unknown) => err instanceof StoreError && err.code === 'DCHAT_STORE_FAILED');
        assert.equal(await repo.countPending(b.id), 0);
        assert.deepEqual(await repo.history({ kind: 'direct', userId: a.id, peerId: b.id }, 0, 10), []);
      });

      it('message ids increase in the order messages are saved', async () => {
        const a = await user('a');
        const b = await user('b');
        const saved: number[] = [];
        for (let i = 0; i < 5; i++) saved.push((await save(direct(a, b, `m${i}`))).id);
        assert.deepEqual(saved, [...saved].sort((x, y) => x - y));
        assert.equal(new Set(saved).size, 5);
      });

      it('listPending returns pending messages oldest first, after afterId, at most limit', async () => {
        const a = await user('a');
        const b = await user('b');
        const saved: MessageRow[] = [];
        for (let i = 0; i < 5; i++) saved.push(await save(direct(a, b, `m${i}`, t0 + i)));
        const all = ids(saved);
        assert.deepEqual(ids(await repo.listPending(b.id, 0, 100)), all);
        assert.deepEqual(ids(await repo.listPending(b.id, 0, 2)), all.slice(0, 2));
        assert.deepEqual(ids(await repo.listPending(b.id, all[1] ?? 0, 2)), all.slice(2, 4));
        assert.deepEqual(ids(await repo.listPending(b.id, all[4] ?? 0, 2)), []);
        assert.deepEqual(await repo.listPending(b.id, 0, 0), []);
        assert.equal(await repo.countPending(b.id), 5);
      });

      it('ackPending removes only pending messages of that user, counts them, and is idempotent', async () => {
        const a = await user('a');
        const b = await user('b');
        const c = await user('c');
        const group = await repo.createGroup('g', '', a.id, t0);
        assert.ok(group);
        const m1 = await save({ fromId: a.id, toId: 0, groupId: group.id, text: '1', sentAtMs: t0, recipientIds: [b.id, c.id] });
        const m2 = await save(direct(a, b, '2'));
        assert.equal(await repo.ackPending(b.id, [m1.id, 777_777]), 1);
        assert.equal(await repo.ackPending(b.id, [m1.id]), 0);
        assert.equal(await repo.ackPending(b.id, []), 0);
        assert.deepEqual(ids(await repo.listPending(b.id, 0, 10)), [m2.id]);
        assert.deepEqual(ids(await repo.listPending(c.id, 0, 10)), [m1.id]);
        assert.equal(await repo.ackPending(b.id, [m2.id, m2.id]), 1);
        assert.equal(await repo.countPending(b.id), 0);
        assert.equal(await repo.countPending(c.id), 1);
      });

      it('listPendingRecipients names the users who have not acknowledged the message yet', async () => {
        const a = await user('a');
        const b = await user('b');
        const c = await user('c');
        const group = await repo.createGroup('g', '', a.id, t0);
        assert.ok(group);
        const m = await save({ fromId: a.id, toId: 0, groupId: group.id, text: '1', sentAtMs: t0, recipientIds: [c.id, b.id] });
        assert.deepEqual(await repo.listPendingRecipients(m.id), [b.id, c.id]);
        await repo.ackPending(b.id, [m.id]);
        assert.deepEqual(await repo.listPendingRecipients(m.id), [c.id]);
        await repo.ackPending(c.id, [m.id]);
        assert.deepEqual(await repo.listPendingRecipients(m.id), []);
        assert.deepEqual(await repo.listPendingRecipients(888_888), []);
      });

      it('acknowledged messages stay in history', async () => {
        const a = await user('a');
        const b = await user('b');
        const m = await save(direct(a, b, 'kept'));
        await repo.ackPending(b.id, [m.id]);
        assert.deepEqual(await repo.history({ kind: 'direct', userId: b.id, peerId: a.id }, 0, 10), [m]);
      });

      it('history of a direct conversation pages newest first over both directions', async () => {
        const a = await user('a');
        const b = await user('b');
        const c = await user('c');
        const saved: MessageRow[] = [];
        for (let i = 0; i < 6; i++) {
          saved.push(await save(i % 2 === 0 ? direct(a, b, `ab${i}`) : direct(b, a, `ba${i}`)));
          await save(direct(a, c, `noise${i}`));
        }
        const newestFirst = ids(saved).reverse();
        const conversation = { kind: 'direct', userId: a.id, peerId: b.id } as const;
        const page1 = await repo.history(conversation, 0, 4);
        assert.deepEqual(ids(page1), newestFirst.slice(0, 4));
        const page2 = await repo.history(conversation, page1[3]?.id ?? 0, 4);
        assert.deepEqual(ids(page2), newestFirst.slice(4));
        assert.deepEqual(ids(await repo.history({ kind: 'direct', userId: b.id, peerId: a.id }, 0, 100)), newestFirst);
        assert.deepEqual(page1[0], saved[5]);
      });

      it('history of a conversation with oneself lists each message once', async () => {
        const a = await user('a');
        const m1 = await save({ ...direct(a, a, 'note to self'), recipientIds: [] });
        const m2 = await save({ ...direct(a, a, 'another'), recipientIds: [] });
        assert.deepEqual(ids(await repo.history({ kind: 'direct', userId: a.id, peerId: a.id }, 0, 10)), [m2.id, m1.id]);
      });

      it('history of a group pages newest first and holds only that group', async () => {
        const a = await user('a');
        const g = await repo.createGroup('g', '', a.id, t0);
        const other = await repo.createGroup('other', '', a.id, t0);
        assert.ok(g && other);
        const saved: number[] = [];
        for (let i = 0; i < 5; i++) {
          saved.push((await save({ fromId: a.id, toId: 0, groupId: g.id, text: `g${i}`, sentAtMs: t0, recipientIds: [] })).id);
          await save({ fromId: a.id, toId: 0, groupId: other.id, text: `o${i}`, sentAtMs: t0, recipientIds: [] });
        }
        const newestFirst = saved.reverse();
        const page1 = await repo.history({ kind: 'group', groupId: g.id }, 0, 3);
        assert.deepEqual(ids(page1), newestFirst.slice(0, 3));
        assert.deepEqual(ids(await repo.history({ kind: 'group', groupId: g.id }, newestFirst[2] ?? 0, 3)), newestFirst.slice(3));
        assert.deepEqual(await repo.history({ kind: 'group', groupId: g.id }, 0, 0), []);
      });

      it('a member joins after the newest message of the group, and the history from that point holds only what came later', async () => {
        const a = await user('a');
        const b = await user('b');
        const g = await repo.createGroup('g', '', a.id, t0);
        assert.ok(g);
        assert.equal(await repo.memberJoinedAfter(g.id, a.id), 0, 'the creator reads everything');
        assert.equal(await repo.memberJoinedAfter(g.id, b.id), undefined, 'not a member');
        const before = await save({ fromId: a.id, toId: 0, groupId: g.id, text: 'before', sentAtMs: t0, recipientIds: [] });
        assert.equal(await repo.addGroupMember(g.id, b.id, 'normal'), true);
        assert.equal(await repo.addGroupMember(g.id, b.id, 'normal'), false);
        const joinedAfter = await repo.memberJoinedAfter(g.id, b.id);
        assert.equal(joinedAfter, before.id);
        const later = await save({ fromId: a.id, toId: 0, groupId: g.id, text: 'later', sentAtMs: t0, recipientIds: [b.id] });
        assert.deepEqual(ids(await repo.history({ kind: 'group', groupId: g.id, afterId: joinedAfter ?? 0 }, 0, 10)), [later.id]);
        assert.deepEqual(ids(await repo.history({ kind: 'group', groupId: g.id }, 0, 10)), [later.id, before.id]);
      });

      it('text with emoji, Chinese and other 4-byte characters round-trips unchanged', async () => {
        const name = '小明😀';
        const text = '你好，世界 🎉👩‍👩‍👧 𝄞 naïve';
        const u = await user(name);
        const peer = await user('peer');
        const group = await repo.createGroup('聊天群🚀', '讨论 🦀', u.id, t0);
        assert.ok(group);
        assert.equal((await repo.findGroupById(group.id))?.name, '聊天群🚀');
        assert.equal((await repo.findGroupById(group.id))?.desc, '讨论 🦀');
        const saved = await save(direct(u, peer, text));
        const [pending] = await repo.listPending(peer.id, 0, 1);
        assert.equal(pending?.text, text);
        assert.equal(pending?.fromName, name);
        assert.equal(saved.text, text);
        assert.equal((await repo.findUserById(u.id))?.name, name);
      });
    });

    describe('lifecycle', () => {
      it('migrate runs again on a migrated database without changing its data', async () => {
        const a = await user('a');
        await repo.migrate();
        assert.deepEqual(await repo.findUserById(a.id), a);
      });

      it('a call after close rejects with a StoreError instead of throwing', async () => {
        await repo.close();
        await assert.rejects(repo.findUserById(1), (err: unknown) => err instanceof StoreError);
        await repo.close();
      });
    });
  });
  describeMessageKeyContract(name, open, cleanup, keys);
  describeSessionTokenContract(name, open, cleanup);
}
