// The part of the repository contract about idempotency keys (NewMessage.clientMsgId): a sender
// whose answer was lost resends with the same key, marked isResend, and must get the stored
// message back, never a second copy. describeRepositoryContract runs it on every backend.
// Backends differ past that: MySQL keeps every key unique for good (keysForGood), SQLite looks
// for a resend's key among the sender's messages to the same user (or to groups) within
// resendWindowMs and resendLookRows only (sqlite-schema.ts).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { resendLookRows, resendWindowMs, type ChatRepository, type NewMessage, type UserRow } from './repository.js';

const t0 = 1_700_000_000_000;

export interface MessageKeyBehaviour {
  /** Every key is unique per sender for good, so that each repeat is found, flagged or not, whatever its target. */
  keysForGood: boolean;
}

export function describeMessageKeyContract(
  name: string,
  open: () => Promise<ChatRepository>,
  cleanup: (repo: ChatRepository) => Promise<void>,
  behaviour: MessageKeyBehaviour,
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
    const resent = (message: NewMessage): NewMessage => ({ ...message, isResend: true });
    const historyOfAB = async (): Promise<string[]> =>
      (await repo.history({ kind: 'direct', userId: a.id, peerId: b.id }, 0, 100)).map((m) => m.text);

    it('a resend with a key stored before returns that message (same id and time) as a repeat and stores nothing', async () => {
      const first = await repo.saveMessage(keyed(a, b, 'once', 'k-1'));
      assert.equal(first.isRepeat, false);
      const again = await repo.saveMessage(resent(keyed(a, b, 'once', 'k-1', t0 + 5_000)));
      assert.deepEqual(again, { row: first.row, isRepeat: true });
      assert.deepEqual(await historyOfAB(), ['once']);
      assert.equal(await repo.countPending(b.id), 1);
    });

    it('a resend is recognised among the newer messages of its conversation, and at the edge of the window', async () => {
      const first = await repo.saveMessage(keyed(a, b, 'first', 'k-old'));
      for (let i = 0; i < 5; i++) await repo.saveMessage(keyed(a, b, `later ${i}`, `k-later-${i}`, t0 + 1_000 + i));
      await repo.saveMessage(keyed(b, a, 'a reply', 'k-old', t0 + 2_000));
      const again = await repo.saveMessage(resent(keyed(a, b, 'first', 'k-old', t0 + resendWindowMs)));
      assert.deepEqual(again, { row: first.row, isRepeat: true });
    });

    it('a repeat adds no pending row, even after the recipient acknowledged the message', async () => {
      const first = await repo.saveMessage(keyed(a, b, 'seen', 'k-2'));
      assert.equal(await repo.ackPending(b.id, [first.row.id]), 1);
      const again = await repo.saveMessage(resent(keyed(a, b, 'seen', 'k-2')));
      assert.equal(again.isRepeat, true);
      assert.equal(await repo.countPending(b.id), 0);
    });

    it('a resend returns the earlier message as stored when it carries another text (the caller refuses it)', async () => {
      const first = await repo.saveMessage(keyed(a, b, 'original', 'k-3'));
      const otherText = await repo.saveMessage(resent(keyed(a, b, 'changed', 'k-3')));
      assert.deepEqual(otherText, { row: first.row, isRepeat: true });
      assert.deepEqual(await historyOfAB(), ['original']);
    });

    it('a group message resent is recognised among other members’ messages, and a member’s key is its own', async () => {
      const group = await repo.createGroup('g', '', a.id, t0);
      assert.ok(group);
      const toGroup = (from: UserRow, text: string, clientMsgId: string, at = t0): NewMessage => ({
        fromId: from.id,
        toId: 0,
        groupId: group.id,
        text,
        sentAtMs: at,
        recipientIds: [],
        clientMsgId,
      });
      const first = await repo.saveMessage(toGroup(a, 'hello all', 'g-1'));
      const fromB = await repo.saveMessage(resent(toGroup(b, 'hi from b', 'g-1', t0 + 1)));
      assert.equal(fromB.isRepeat, false, "b's key is b's own");
      await repo.saveMessage(toGroup(b, 'more from b', 'g-2', t0 + 2));
      const again = await repo.saveMessage(resent(toGroup(a, 'hello all', 'g-1', t0 + 3)));
      assert.deepEqual(again, { row: first.row, isRepeat: true });
      assert.deepEqual((await repo.history({ kind: 'group', groupId: group.id }, 0, 10)).map((m) => m.text), ['more from b', 'hi from b', 'hello all']);
    });

    it('keys are per sender: the same key from two senders stores two messages', async () => {
      const fromA = await repo.saveMessage(keyed(a, b, 'from a', 'same-key'));
      const fromB = await repo.saveMessage(resent(keyed(b, a, 'from b', 'same-key')));
      assert.equal(fromB.isRepeat, false);
      assert.notEqual(fromA.row.id, fromB.row.id);
      assert.deepEqual(await historyOfAB(), ['from b', 'from a']);
    });

    it('messages without a key (absent or empty) never collide, resent or not', async () => {
      const saved = [
        await repo.saveMessage(keyed(a, b, 'x', undefined)),
        await repo.saveMessage(resent(keyed(a, b, 'x', undefined))),
        await repo.saveMessage(keyed(a, b, 'x', '')),
        await repo.saveMessage(resent(keyed(a, b, 'x', ''))),
      ];
      assert.deepEqual(saved.map((s) => s.isRepeat), [false, false, false, false]);
      assert.equal(new Set(saved.map((s) => s.row.id)).size, 4);
      assert.equal(await repo.countPending(b.id), 4);
    });

    it('concurrent sends of one key, the first and its resends, store one message: one original, every other a repeat of it', async () => {
      const racers = await Promise.all(
        Array.from({ length: 6 }, (_, i) => repo.saveMessage(i === 0 ? keyed(a, b, 'raced', 'k-race', t0) : resent(keyed(a, b, 'raced', 'k-race', t0 + i)))),
      );
      assert.equal(racers.filter((r) => !r.isRepeat).length, 1, 'exactly one save stored the message');
      assert.equal(new Set(racers.map((r) => r.row.id)).size, 1);
      assert.equal(new Set(racers.map((r) => r.row.sentAtMs)).size, 1);
      assert.deepEqual(await historyOfAB(), ['raced']);
      assert.equal(await repo.countPending(b.id), 1);
    });

    it('keys compare byte for byte: keys differing only in case are two messages', async () => {
      const lower = await repo.saveMessage(keyed(a, b, 'lower', 'abc'));
      const upper = await repo.saveMessage(resent(keyed(a, b, 'upper', 'ABC')));
      assert.equal(upper.isRepeat, false);
      assert.notEqual(lower.row.id, upper.row.id);
    });

    if (behaviour.keysForGood) {
      it('keys are kept for good: a repeat is found unflagged, long after, and under another target', async () => {
        const group = await repo.createGroup('g', '', a.id, t0);
        assert.ok(group);
        const first = await repo.saveMessage(keyed(a, b, 'original', 'k-4'));
        const unflagged = await repo.saveMessage(keyed(a, b, 'original', 'k-4', t0 + 10 * resendWindowMs));
        const otherTarget = await repo.saveMessage({ fromId: a.id, toId: 0, groupId: group.id, text: 'original', sentAtMs: t0, recipientIds: [], clientMsgId: 'k-4' });
        assert.deepEqual(unflagged, { row: first.row, isRepeat: true });
        assert.deepEqual(otherTarget, { row: first.row, isRepeat: true });
        assert.deepEqual(await historyOfAB(), ['original']);
      });
    } else {
      it('a key is looked for only on a resend, within the window, in its own conversation', async () => {
        const c = await repo.createUser('c', 'h', t0);
        assert.ok(c);
        const first = await repo.saveMessage(keyed(a, b, 'original', 'k-4'));
        const unflagged = await repo.saveMessage(keyed(a, b, 'original', 'k-4', t0 + 1));
        assert.equal(unflagged.isRepeat, false, 'a send not marked as a resend is stored as it comes');
        const late = await repo.saveMessage(resent(keyed(a, b, 'original', 'k-5', t0 + 2)));
        assert.equal(late.isRepeat, false, 'a resend whose original never came is stored');
        const tooLate = await repo.saveMessage(resent(keyed(a, b, 'original', 'k-5', t0 + 2 + resendWindowMs + 1)));
        assert.equal(tooLate.isRepeat, false, 'a resend past the window is a new message');
        const elsewhere = await repo.saveMessage(resent(keyed(a, c, 'original', 'k-4', t0 + 3)));
        assert.equal(elsewhere.isRepeat, false, 'another conversation does not hold the key');
        assert.notEqual(elsewhere.row.id, first.row.id);
        assert.equal(await repo.countPending(b.id), 4);
      });

      it(`a resend is looked for among the sender's ${resendLookRows} newest messages to that user, however recent`, async () => {
        const first = await repo.saveMessage(keyed(a, b, 'original', 'k-bound'));
        await Promise.all(Array.from({ length: resendLookRows - 1 }, (_, i) => repo.saveMessage(keyed(a, b, `filler ${i}`, undefined, t0 + 1))));
        await repo.saveMessage(keyed(b, a, 'replies do not count', undefined, t0 + 2));
        assert.deepEqual(await repo.saveMessage(resent(keyed(a, b, 'original', 'k-bound', t0 + 3))), { row: first.row, isRepeat: true });
        await repo.saveMessage(keyed(a, b, 'one more', undefined, t0 + 4));
        const past = await repo.saveMessage(resent(keyed(a, b, 'original', 'k-bound', t0 + 5)));
        assert.equal(past.isRepeat, false, 'the original is now the 1,001st newest: past the bound');
      });

      it('a resend of a stored message is answered at the recipient’s pending cap, and the flag lets nothing else past it', async () => {
        const first = await repo.saveMessageUnlessFull(keyed(a, b, 'one', 'cap-1'), 2);
        assert.ok(first !== 'recipient-full');
        assert.ok((await repo.saveMessageUnlessFull(keyed(a, b, 'two', 'cap-2'), 2)) !== 'recipient-full');
        assert.deepEqual(await repo.saveMessageUnlessFull(resent(keyed(a, b, 'one', 'cap-1')), 2), { row: first.row, isRepeat: true });
        assert.equal(await repo.saveMessageUnlessFull(resent(keyed(a, b, 'three', 'cap-3')), 2), 'recipient-full');
        assert.equal(await repo.countPending(b.id), 2);
      });
    }
  });
}
