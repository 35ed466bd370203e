// OfflineService over a real SQLite store: the idempotency key (client_msg_id) of a sender who
// resends after a lost answer, and the keys it refuses.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { dchat } from '../gen/proto.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { describeReuse, OfflineService } from './offline-service.js';

const { Status } = dchat;

/** Runs body with a migrated SQLite store in a directory of its own, removed afterwards. */
async function withStore(body: (store: SqliteStore) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dchat-offline-'));
  const store = SqliteStore.openInDirectory(dir);
  try {
    await store.migrate();
    await body(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('offline service saveMessage with client_msg_id', () => {
  let dir: string;
  let store: SqliteStore;
  let service: OfflineService;
  let clockMs: number;
  const ids = { ann: 0, bo: 0, cy: 0, group: 0 };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dchat-offline-'));
    store = SqliteStore.openInDirectory(dir);
    await store.migrate();
    clockMs = 1_700_000_000_000;
    service = new OfflineService(store, () => clockMs++);
    for (const name of ['ann', 'bo', 'cy'] as const) ids[name] = (await store.createUser(name, 'h', 1))?.id ?? 0;
    ids.group = (await store.createGroup('crew', '', ids.ann, 1))?.id ?? 0;
    await store.addGroupMember(ids.group, ids.bo, 'normal');
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a resend with the original message (id and time), is_repeat and its recipients, and stores it once', async () => {
    const first = await service.saveMessage({ fromId: ids.ann, toId: ids.bo, text: 'hello', clientMsgId: 'a1b2c3' });
    const again = await service.saveMessage({ fromId: ids.ann, toId: ids.bo, text: 'hello', clientMsgId: 'a1b2c3', isResend: true });
    assert.equal(first.result?.code, Status.OK);
    assert.equal(again.result?.code, Status.OK);
    assert.equal(first.isRepeat, false);
    assert.equal(again.isRepeat, true);
    assert.deepEqual(again.message, first.message);
    assert.deepEqual(again.recipientIds, [ids.bo]);
    assert.equal(await store.countPending(ids.bo), 1);
  });

  it('answers a resent group message with the original, pushed to those who have not acknowledged it', async () => {
    const first = await service.saveMessage({ fromId: ids.ann, groupId: ids.group, text: 'all hands', clientMsgId: 'g-1' });
    assert.deepEqual(first.recipientIds, [ids.bo]);
    await store.addGroupMember(ids.group, ids.cy, 'normal');
    const again = await service.saveMessage({ fromId: ids.ann, groupId: ids.group, text: 'all hands', clientMsgId: 'g-1', isResend: true });
    assert.equal(again.isRepeat, true);
    assert.deepEqual(again.message, first.message);
    assert.deepEqual(again.recipientIds, [ids.bo], 'cy joined after the message was sent');
    assert.equal(await store.countPending(ids.cy), 0, 'a repeat marks nobody new as pending');
    await store.ackPending(ids.bo, [first.message?.id ?? 0]);
    const acked = await service.saveMessage({ fromId: ids.ann, groupId: ids.group, text: 'all hands', clientMsgId: 'g-1', isResend: true });
    assert.deepEqual(acked.recipientIds, [], 'bo has it already');
  });

  it('refuses a resend that reuses a key for another text with INVALID_ARGUMENT naming the first message', async () => {
    const first = await service.saveMessage({ fromId: ids.ann, toId: ids.bo, text: 'original', clientMsgId: 'k' });
    const res = await service.saveMessage({ fromId: ids.ann, toId: ids.bo, text: 'edited', clientMsgId: 'k', isResend: true });
    assert.equal(res.result?.code, Status.INVALID_ARGUMENT);
    assert.match(res.result?.message ?? '', new RegExp(`client_msg_id "k" already names message ${first.message?.id ?? 0}, which has another text; give every new message a new client_msg_id`));
    assert.equal(res.message, undefined);
    assert.equal(await store.countPending(ids.bo), 1);
  });

  it('stores a key resent to another user or group as a new message: SQLite looks for a key in its own conversation only', async () => {
    const first = await service.saveMessage({ fromId: ids.ann, toId: ids.bo, text: 'original', clientMsgId: 'k' });
    const toCy = await service.saveMessage({ fromId: ids.ann, toId: ids.cy, text: 'original', clientMsgId: 'k', isResend: true });
    const toGroup = await service.saveMessage({ fromId: ids.ann, groupId: ids.group, text: 'original', clientMsgId: 'k', isResend: true });
    assert.equal(toCy.isRepeat, false);
    assert.equal(toGroup.isRepeat, false);
    assert.equal(new Set([first.message?.id, toCy.message?.id, toGroup.message?.id]).size, 3);
  });

  it('names the target of the first message when a key comes back to another (a store that keeps keys for good finds it)', () => {
    const stored = { id: 12, fromId: 1, fromName: 'ann', toId: 2, groupId: 0, text: 'original', sentAtMs: 1 };
    assert.equal(describeReuse(stored, { toId: 3, groupId: 0, text: 'original' }), 'which went to user 2, not user 3');
    assert.equal(describeReuse(stored, { toId: 0, groupId: 7, text: 'original' }), 'which went to user 2, not group 7');
    assert.equal(describeReuse(stored, { toId: 2, groupId: 0, text: 'edited' }), 'which has another text');
    assert.equal(describeReuse(stored, { toId: 2, groupId: 0, text: 'original' }), undefined);
  });

  it('stores every message without a key, even with equal text', async () => {
    const first = await service.saveMessage({ fromId: ids.ann, toId: ids.bo, text: 'same' });
    const second = await service.saveMessage({ fromId: ids.ann, toId: ids.bo, text: 'same', clientMsgId: '' });
    assert.notEqual(first.message?.id, second.message?.id);
    assert.equal(second.isRepeat, false);
  });

  it('refuses a key longer than 64 characters, with a space, a control or a non-ASCII character', async () => {
    const bad: [string, RegExp][] = [
      ['x'.repeat(65), /client_msg_id is 65 characters; at most 64/],
      ['has space', /printable ASCII without spaces/],
      ['tab\there', /printable ASCII without spaces/],
      ['ключ', /printable ASCII without spaces/],
    ];
    for (const [clientMsgId, says] of bad) {
      const res = await service.saveMessage({ fromId: ids.ann, toId: ids.bo, text: 'hi', clientMsgId });
      assert.equal(res.result?.code, Status.INVALID_ARGUMENT, clientMsgId);
      assert.match(res.result?.message ?? '', says);
    }
    const longest = await service.saveMessage({ fromId: ids.ann, toId: ids.bo, text: 'hi', clientMsgId: '~'.repeat(64) });
    assert.equal(longest.result?.code, Status.OK);
    assert.equal(await store.countPending(ids.bo), 1);
  });
});

describe('offline service saveMessage to a user', () => {
  it('reads whether the recipient exists once per recipient, not once per message, and still refuses one who does not', async () => {
    await withStore(async (store) => {
      const ann = (await store.createUser('ann', 'h', 1))?.id ?? 0;
      const bo = (await store.createUser('bo', 'h', 1))?.id ?? 0;
      const service = new OfflineService(store);
      let reads = 0;
      const findUserById = store.findUserById.bind(store);
      store.findUserById = (id) => {
        reads++;
        return findUserById(id);
      };
      for (let i = 0; i < 5; i++) assert.equal((await service.saveMessage({ fromId: ann, toId: bo, text: `m${i}` })).result?.code, Status.OK);
      assert.equal(reads, 1, 'five messages to bo, one look-up of bo');
      const nobody = await service.saveMessage({ fromId: ann, toId: 987_654, text: 'hello?' });
      assert.equal(nobody.result?.code, Status.NOT_FOUND);
      const again = await service.saveMessage({ fromId: ann, toId: 987_654, text: 'hello?' });
      assert.equal(again.result?.code, Status.NOT_FOUND, 'a user not found is looked up again, not remembered as missing');
      assert.equal(reads, 3);
    });
  });
});

describe('offline service saveMessage to a group', () => {
  it('stores for the other members with one read of the member ids, and refuses a stranger and a group that does not exist', async () => {
    await withStore(async (store) => {
      const ann = (await store.createUser('ann', 'h', 1))?.id ?? 0;
      const bo = (await store.createUser('bo', 'h', 1))?.id ?? 0;
      const cy = (await store.createUser('cy', 'h', 1))?.id ?? 0;
      const group = await store.createGroup('crew', '', ann, 1);
      assert.ok(group);
      await store.addGroupMember(group.id, bo, 'normal');
      const service = new OfflineService(store);
      let groupReads = 0;
      const findGroupById = store.findGroupById.bind(store);
      store.findGroupById = (id) => {
        groupReads++;
        return findGroupById(id);
      };
      const sent = await service.saveMessage({ fromId: ann, groupId: group.id, text: 'all hands' });
      assert.equal(sent.result?.code, Status.OK);
      assert.deepEqual(sent.recipientIds, [bo]);
      assert.equal(groupReads, 0, "a member's message reads the member ids only, not the group's row");
      const stranger = await service.saveMessage({ fromId: cy, groupId: group.id, text: 'let me in' });
      assert.equal(stranger.result?.code, Status.PERMISSION_DENIED);
      assert.match(stranger.result?.message ?? '', /you are not a member of group \d+ \(crew\); join it with addgroup:\d+/);
      const nowhere = await service.saveMessage({ fromId: ann, groupId: group.id + 1000, text: 'hello?' });
      assert.equal(nowhere.result?.code, Status.NOT_FOUND);
      assert.match(nowhere.result?.message ?? '', /there is no group \d+/);
    });
  });
});
