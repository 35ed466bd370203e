// Fault: MariaDB crashes under load and comes back. ZooKeeper, MariaDB and two `dchat server --zk
// --db mysql://…` nodes run as separate processes; three pairs of users on different nodes chat
// without pause while the database is SIGKILLed and, a little later, started again on the same
// data. While it is away every request that needs it is refused promptly with UNAVAILABLE and a
// sentence (no INTERNAL, no timeout, no node down); nothing acknowledged before, during or after
// is lost or shown twice; and the nodes serve again by themselves once the database is back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mysql from 'mysql2/promise';
import { dchat } from '../src/gen/proto.js';
import type { ZkSession } from '../src/zk/zk-session.js';
import { Correspondent, DeliveryLedger } from './support/delivery-ledger.js';
import type { DchatProcess } from './support/dchat-process.js';
import type { MariaDbHandle } from './support/mariadb.js';
import { startTestCluster, type TestCluster } from './support/test-cluster.js';
import { waitFor } from './support/wait.js';

/** A refusal must come quickly: well within the client's request timeout of 15 s. */
const promptAnswerMs = 7_000;

describe('cluster fault: MariaDB crashes under load and restarts', () => {
  let cluster: TestCluster;
  let db: MariaDbHandle;
  let zk: ZkSession;
  let nodes: DchatProcess[] = [];
  const people: Correspondent[] = [];

  before(async () => {
    cluster = await startTestCluster({ nodes: 2 });
    ({ db, zk, nodes } = cluster);
  });
  after(async () => {
    for (const p of people) p.close();
    await cluster?.stop();
  });

  test('requests during the outage are refused with UNAVAILABLE, nothing acknowledged is lost, service resumes by itself', async (t) => {
    const [a, b] = nodes as [DchatProcess, DchatProcess];
    let nodeExits = 0;
    for (const node of nodes) void node.exited().then(() => nodeExits++);
    const pairs: [Correspondent, Correspondent][] = [];
    for (const name of ['ann', 'cy', 'eve']) {
      const here = new Correspondent(`md-${name}`);
      const there = new Correspondent(`md-${name}-peer`);
      people.push(here, there);
      await here.connect(a);
      await there.connect(b);
      pairs.push([here, there]);
    }
    for (const p of people) {
      await p.register();
      await p.login();
    }
    await waitFor(async () => (await Promise.all(people.map((p) => zk.exists(`/dchat/presence/${p.id}`)))).every(Boolean), 10_000, 'everyone\'s presence');

    const ledger = new DeliveryLedger();
    type Phase = 'before' | 'down' | 'back';
    let phase: Phase = 'before';
    let isDone = false;
    const sentIn: Record<Phase, number> = { before: 0, down: 0, back: 0 };
    const ackedIn: Record<Phase, number> = { before: 0, down: 0, back: 0 };
    const chatter = async (from: Correspondent, to: Correspondent): Promise<void> => {
      for (let i = 0; !isDone; i++) {
        const during = phase;
        sentIn[during]++;
        if ((await ledger.chat(from, to, `${from.name}→${to.name} ${i} (${during})`)) === 'acked') ackedIn[during]++;
      }
    };
    const flows = pairs.flatMap(([x, y]) => [chatter(x, y), chatter(y, x)]);

    await waitFor(() => ackedIn.before >= 60, 10_000, '60 messages acknowledged before the crash');
    await db.crash();
    phase = 'down';
    await waitFor(() => ledger.refusals.length >= 20, 15_000, '20 refusals while MariaDB is down');
    const friendList = await pairs[0]![0].request({ friendList: {} });
    const newcomer = new Correspondent('md-newcomer');
    people.push(newcomer);
    await newcomer.connect(a);
    const register = await newcomer.request({ register: { name: 'md-newcomer', password: 'x-secret' } });
    await db.restart();
    phase = 'back';
    await waitFor(() => ackedIn.back >= 60, 20_000, '60 messages acknowledged after MariaDB restarted, without restarting any node');
    isDone = true;
    await Promise.all(flows);

    const summary = `${ledger.summary()}; by phase sent/acked: before ${sentIn.before}/${ackedIn.before}, down ${sentIn.down}/${ackedIn.down}, back ${sentIn.back}/${ackedIn.back}`;
    t.diagnostic(summary);
    assert.deepEqual(ledger.noAnswers, [], 'every request was answered');
    const statuses = new Set(ledger.refusals.map((r) => r.status));
    assert.deepEqual([...statuses], ['UNAVAILABLE'], `refusals are UNAVAILABLE only: ${JSON.stringify(ledger.refusals.find((r) => r.status !== 'UNAVAILABLE'))}`);
    for (const r of ledger.refusals) assert.match(r.errorText, /unavailable.*try again/i, 'a refusal says what happened and what to do');
    assert.ok(ledger.slowestAnswerMs < promptAnswerMs, `the slowest answer took ${Math.round(ledger.slowestAnswerMs)} ms (limit ${promptAnswerMs}): requests must not hang while the database is away`);
    assert.equal(dchat.Status[friendList.status], 'UNAVAILABLE', `showfriendlist during the outage: ${friendList.errorText}`);
    assert.equal(dchat.Status[register.status], 'UNAVAILABLE', `register during the outage: ${register.errorText}`);
    assert.equal(nodeExits, 0, 'no node went down');

    // Acknowledged means persisted: every acknowledged id is in the database that was crashed.
    const conn = await mysql.createConnection({ host: db.host, port: db.port, user: 'root', database: 'dchat' });
    try {
      const acked = ledger.ackedIds();
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT id FROM message WHERE id IN (?)', [acked]);
      const stored = new Set(rows.map((r) => Number(r['id'])));
      assert.deepEqual(acked.filter((id) => !stored.has(id)), [], 'acknowledged messages missing from the database after its restart');
    } finally {
      await conn.end();
    }
    await ledger.waitForAllAcknowledged(15_000);
    ledger.assertExactlyOnce(people);
    assert.equal(people.reduce((n, p) => n + p.connections, 0), people.length, 'nobody had to reconnect');
  });
});
