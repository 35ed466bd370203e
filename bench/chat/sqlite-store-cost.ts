// What the SQLite store costs a standalone node per one-to-one message (the check of the
// recipient's pending cap, the save with its pending row, and the acknowledgement's DELETE), apart from sockets and the request path: the store's own
// calls, in this process, with `--batch` saves per event-loop turn (a group commit of that size)
// and their acknowledgements in the next turn, on a file that already holds `--preload` messages.
// The chat benchmark starts each node on a fresh file; a node that has stored a day's messages
// pays for the larger indexes and checkpoints this shows.
//
//   node dist/bench/chat/sqlite-store-cost.js [--preload 150000] [--batch 8] [--messages 20000]
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
  },
});
const preload = Number(values.preload);
const batch = Math.max(1, Number(values.batch));
const messages = Number(values.messages);
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

  await exchange(preload, 64);
  const before = process.cpuUsage();
  await exchange(messages, batch);
  const used = process.cpuUsage(before);
  const perMessage = (us: number): string => (us / messages).toFixed(1);
  console.log(
    `sqlite store, ${preload} messages stored before, ${batch} saves per turn: ` +
      `${perMessage(used.user + used.system)} µs of CPU per message (user ${perMessage(used.user)}, system ${perMessage(used.system)})`,
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
