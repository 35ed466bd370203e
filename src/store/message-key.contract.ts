// The part of the repository contract about idempotency keys (NewMessage.clientMsgId): a sender
// whose answer was lost resends with the same key and must get the stored message back, never a
// second copy. describeRepositoryContract runs it on every backend.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ChatRepository, NewMessage, UserRow } from './repository.js';

const t0 = 1_700_000_000_000;

export function describeMessageKeyContract(
  name: string,
  open: () => Promise<ChatRepository>,
  cleanup: (repo: ChatRepository) => Promise<void>,
): void {
  describe(`${name} repository contract: message idempotency keys`, () => {
    let repo: ChatRepository;
    let a: UserRow;
    let b: UserRow;
    beforeEach(async () => {
      repo = await open();
      const [first, second] = [await repo.createUser('a', 'h', t0), await repo.createUser('b', 'h', t0)];
      assert.ok(first && second);
      [a, b] = [first, second];
    });
    afterEach(async () => {
      await cleanup(repo);
    });

    const keyed = (from: UserRow, to: UserRow, text: string, clientMsgId: string | undefined, at = t0): NewMessage => ({
      fromId: from.id,
      toId: to.id,
      groupId: 0,
      text,
      sentAtMs: at,
      recipientIds: [to.id],
      ...(clientMsgId === undefined ? {} : { clientMsgId }),
    });
    const historyOfAB = async (): Promise<string[]> =>
      (await repo.history({ kind: 'direct', userId: a.id, peerId: b.id }, 0, 100)).map((m) => m.text);

    it('saveMessage with a key stored before returns that message (same id and time) as a repeat and stores nothing', async () => {
      const first = await repo.saveMessage(keyed(a, b, 'once', 'k-1'));
      assert.equal(first.isRepeat, false);
      const again = await repo.saveMessage(keyed(a, b, 'once', 'k-1', t0 + 5_000));
      assert.deepEqual(again, { row: first.row, isRepeat: true });
      assert.deepEqual(await historyOfAB(), ['once']);
      assert.equal(await repo.countPending(b.id), 1);
    });

    it('a repeat adds no pending row, even after the recipient acknowledged the message', async () => {
      const first = await repo.saveMessage(keyed(a, b, 'seen', 'k-2'));
      assert.equal(await repo.ackPending(b.id, [first.row.id]), 1);
      const again = await repo.saveMessage(keyed(a, b, 'seen', 'k-2'));
      assert.equal(again.isRepeat, true);
      assert.equal(await repo.countPending(b.id), 0);
    });

    it('a repeat returns the earlier message as stored when it carries another text or target (the caller refuses it)', async () => {
      const group = await repo.createGroup('g', '', a.id, t0);
      assert.ok(group);
      const first = await repo.saveMessage(keyed(a, b, 'original', 'k-3'));
      const otherText = await repo.saveMessage(keyed(a, b, 'changed', 'k-3'));
      const otherTarget = await repo.saveMessage({ fromId: a.id, toId: 0, groupId: group.id, text: 'original', sentAtMs: t0, recipientIds: [], clientMsgId: 'k-3' });
      assert.deepEqual(otherText, { row: first.row, isRepeat: true });
      assert.deepEqual(otherTarget, { row: first.row, isRepeat: true });
      assert.deepEqual(await historyOfAB(), ['original']);
      assert.deepEqual(await repo.history({ kind: 'group', groupId: group.id }, 0, 10), []);
    });

    it('keys are per sender: the same key from two senders stores two messages', async () => {
      const fromA = await repo.saveMessage(keyed(a, b, 'from a', 'same-key'));
      const fromB = await repo.saveMessage(keyed(b, a, 'from b', 'same-key'));
      assert.equal(fromB.isRepeat, false);
      assert.notEqual(fromA.row.id, fromB.row.id);
      assert.deepEqual(await historyOfAB(), ['from b', 'from a']);
    });

    it('messages without a key (absent or empty) never collide', async () => {
      const saved = [
        await repo.saveMessage(keyed(a, b, 'x', undefined)),
        await repo.saveMessage(keyed(a, b, 'x', undefined)),
        await repo.saveMessage(keyed(a, b, 'x', '')),
        await repo.saveMessage(keyed(a, b, 'x', '')),
      ];
      assert.deepEqual(saved.map((s) => s.isRepeat), [false, false, false, false]);
      assert.equal(new Set(saved.map((s) => s.row.id)).size, 4);
      assert.equal(await repo.countPending(b.id), 4);
    });

    it('concurrent saves with one key store one message: one original, every other a repeat of it', async () => {
      const racers = await Promise.all(Array.from({ length: 6 }, (_, i) => repo.saveMessage(keyed(a, b, 'raced', 'k-race', t0 + i))));
      assert.equal(racers.filter((r) => !r.isRepeat).length, 1, 'exactly one save stored the message');
      assert.equal(new Set(racers.map((r) => r.row.id)).size, 1);
      assert.equal(new Set(racers.map((r) => r.row.sentAtMs)).size, 1);
      assert.deepEqual(await historyOfAB(), ['raced']);
      assert.equal(await repo.countPending(b.id), 1);
    });

    it('keys compare byte for byte: keys differing only in case are two messages', async () => {
      const lower = await repo.saveMessage(keyed(a, b, 'lower', 'abc'));
      const upper = await repo.saveMessage(keyed(a, b, 'upper', 'ABC'));
      assert.equal(upper.isRepeat, false);
      assert.notEqual(lower.row.id, upper.row.id);
    });
  });
}
