// Fault: the sender's node acknowledges a message, dies before pushing it, and is started again at
// once on its port (as `dchat up` does), before its old ZooKeeper session expires. The restarted
// node takes its /dchat/nodes entry over, so the other nodes may never see that entry gone, which is
// what makes them replay pending messages (src/server/redelivery.ts): they must notice the new start
// time instead. The recipient's node B reaches ZooKeeper through a relay that the test cuts while A
// dies and comes back, so that B surely sees the entry only before and after (on loopback it might
// catch the moment between the old entry's delete and the new one's create, and replay for that).
// As in the sender-node-death test, the test stores the message itself, exactly as the sender's
// node does before acknowledging, then kills that node -9 and starts it again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ZkSession } from '../src/zk/zk-session.js';
import type { Correspondent } from './support/delivery-ledger.js';
import { unpushedMessageScenario } from './support/unpushed-message.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { startFaultyRelay, type FaultyRelay } from './support/faulty-relay.js';
import type { MariaDbHandle } from './support/mariadb.js';
import { startTestCluster, type TestCluster } from './support/test-cluster.js';

describe('cluster fault: the sender\'s node dies between acknowledging a message and pushing it, and is restarted at once', () => {
  let cluster: TestCluster;
  let db: MariaDbHandle;
  let zk: ZkSession;
  let nodes: DchatProcess[] = [];
  let relay: FaultyRelay;
  const people: Correspondent[] = [];

  before(async () => {
    cluster = await startTestCluster({ nodes: 1 });
    relay = await startFaultyRelay(cluster.zkServer.ports[0] ?? 0);
    cluster.nodes.push(await startDchatServer(['--zk', `127.0.0.1:${relay.port}`, '--db', cluster.db.url, '--password-cost', 'test']));
    ({ db, zk, nodes } = cluster);
  });
  after(async () => {
    for (const p of people) p.close();
    await cluster?.stop();
    await relay?.close();
  });

  test('the recipient\'s node pushes the message once it sees the node restarted under its id', async (t) => {
    const [a, b] = nodes as [DchatProcess, DchatProcess];
    const aPath = `/dchat/nodes/${a.host}:${a.port}`;
    const { bo, ledger } = await unpushedMessageScenario({ a, b, zk, dbUrl: db.url, prefix: 'sr', delivered: 5, people });
    const ownerBefore = (await zk.exists(aPath))?.ephemeralOwner;
    relay.block();
    await a.kill('SIGKILL');
    const restarted = await cluster.startNode(['--port', String(a.port)]);
    const restartedAt = Date.now();
    assert.equal(restarted.port, a.port);
    const owner = (await zk.exists(aPath))?.ephemeralOwner;
    assert.ok(owner !== undefined && owner !== ownerBefore, 'the restarted node took its entry over before the old session expired');
    relay.unblock();

    await ledger.waitForAllAcknowledged(5_000);
    t.diagnostic(`the unpushed message was acknowledged by bo ${Date.now() - restartedAt} ms after the node was back; ${ledger.summary()}`);
    ledger.assertExactlyOnce(people);
    assert.equal(bo.connections, 1, 'bo never reconnected or logged in again');
    assert.match(b.output(), new RegExp(`node ${a.host}:${a.port} restarted: replaying pending messages`), 'node B says why it replayed');
  });
});
