// What the SQLite store costs a standalone node per one-to-one message (the check of the
// recipient's pending cap, the save with its pending row, and the acknowledgement's DELETE), apart from sockets and the request path: the store's own
// calls, in this process, with `--batch` saves per event-loop turn (a group commit of that size)
// and their acknowledgements in the next turn, on a file that already holds `--preload` messages.
// The chat benchmark starts each node on a fresh file; a node that has stored a day's messages
// pays for the larger indexes and checkpoints this shows.
//
// With `--group-size N` the measured messages go to groups of N users instead (each user in one
// group), as the offline service saves them: the member ids read, the pending caps checked, the
// message saved with a pending row per other member; each member acknowledges what it got in the
// next turn, in one ack. The cost is then given per delivery too.
//
//   node dist/bench/chat/sqlite-store-cost.js [--preload 150000] [--batch 8] [--messages 20000] [--group-size 10]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../../src/store/sqlite-store.js';

const { values } = parseArgs({
  options: {
    preload: { type: 'string', default: '150000' },
    batch: { type: 'string', default: '8' },
    messages: { type: 'string', default: '20000' },
    'group-size': { type: 'string', default: '1' },
  },
});
const preload = Number(values.preload);
const batch = Math.max(1, Number(values.batch));
const messages = Number(values.messages);
const groupSize = Math.max(1, Math.floor(Number(values['group-size'])));
const userCount = 1_000;

const dir = mkdtempSync(join(tmpdir(), 'dchat-sqlite-cost-'));
const store = SqliteStore.openInDirectory(dir);
try {
  await store.migrate();
  const users: number[] = [];
  for (let i = 0; i < userCount; i++) {
    const user = await store.createUser(`user${i}`, 'hash', 1);
    if (user) users.push(user.id);
  }

  let keys = 0;
  /** Saves `count` messages between random neighbours, `perTurn` at once, each acknowledged in the next turn. */
  const exchange = async (count: number, perTurn: number): Promise<void> => {
    for (let sent = 0; sent < count; sent += perTurn) {
      const saves = Array.from({ length: perTurn }, async (_, j) => {
        const k = Math.floor(Math.random() * userCount);
        const fromId = users[k] ?? 0;
        const toId = users[(k + 1) % userCount] ?? 0;
        const text = `a message of an ordinary length, number ${sent + j}`;
        // As the offline service does before each save (pending-per-recipient, default 10,000).
        await store.usersWithPendingAtLeast([toId], 10_000);
        return store.saveMessage({ fromId, toId, groupId: 0, text, sentAtMs: Date.now(), recipientIds: [toId], clientMsgId: `m${++keys}` });
      });
      const saved = await Promise.all(saves);
      await Promise.all(saved.map((s) => store.ackPending(s.row.toId, [s.row.id])));
    }
  };

  /** Each user in one group of groupSize (the last may be smaller). */
  const groupOf = new Map<number, number>();
  const makeGroups = async (): Promise<void> => {
    for (let first = 0; first < userCount; first += groupSize) {
      const members = users.slice(first, first + groupSize);
      const group = await store.createGroup(`group${first}`, '', members[0] ?? 0, Date.now());
      if (!group) throw new Error(`group${first} was not created`);
      for (const id of members.slice(1)) await store.addGroupMember(group.id, id, 'normal');
      for (const id of members) groupOf.set(id, group.id);
    }
  };

  /** Saves `count` group messages from random users, `perTurn` at once; returns the deliveries. */
  const exchangeInGroups = async (count: number, perTurn: number): Promise<number> => {
    let deliveries = 0;
    for (let sent = 0; sent < count; sent += perTurn) {
      const saves = Array.from({ length: perTurn }, async (_, j) => {
        const fromId = users[Math.floor(Math.random() * userCount)] ?? 0;
        const groupId = groupOf.get(fromId) ?? 0;
        // As the offline service does before each group save (offline-service.ts).
        const others = (await store.listGroupMemberIds(groupId)).filter((id) => id !== fromId);
        const full = new Set(await store.usersWithPendingAtLeast(others, 10_000));
        const recipientIds = others.filter((id) => !full.has(id));
        const text = `a message of an ordinary length, number ${sent + j}`;
        const saved = await store.saveMessage({ fromId, toId: 0, groupId, text, sentAtMs: Date.now(), recipientIds, clientMsgId: `m${++keys}` });
        return { id: saved.row.id, recipientIds };
      });
      const acks = new Map<number, number[]>();
      for (const { id, recipientIds } of await Promise.all(saves)) {
        deliveries += recipientIds.length;
        for (const userId of recipientIds) acks.set(userId, [...(acks.get(userId) ?? []), id]);
      }
      await Promise.all([...acks].map(([userId, ids]) => store.ackPending(userId, ids)));
    }
    return deliveries;
  };

  await exchange(preload, 64);
  if (groupSize > 1) await makeGroups();
  const before = process.cpuUsage();
  let deliveries = messages;
  if (groupSize > 1) deliveries = await exchangeInGroups(messages, batch);
  else await exchange(messages, batch);
  const used = process.cpuUsage(before);
  const per = (us: number, n: number): string => (us / n).toFixed(1);
  const what = groupSize > 1 ? `group messages (groups of ${groupSize})` : 'messages';
  console.log(
    `sqlite store, ${preload} messages stored before, ${batch} ${what} saved per turn: ` +
      `${per(used.user + used.system, messages)} µs of CPU per message (user ${per(used.user, messages)}, system ${per(used.system, messages)})` +
      (groupSize > 1 ? `, ${per(used.user + used.system, deliveries)} µs per delivery` : ''),
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
