// Fault: the sender's node acknowledges a message and dies before pushing it to the recipient's
// node. The message is stored and pending for a recipient who is online on a live node and has no
// reason to log in again, so only that live node can bring it: it replays its users' pending
// messages when the dead node leaves /dchat/nodes. The window between acknowledgement and push is
// too short to hit on purpose, so the test stores the message itself, exactly as the sender's node
// does before acknowledging (the nginx fault test meets the real race), then kills that node -9.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ZkSession } from '../src/zk/zk-session.js';
import type { Correspondent } from './support/delivery-ledger.js';
import { unpushedMessageScenario } from './support/unpushed-message.js';
import type { DchatProcess } from './support/dchat-process.js';
import type { MariaDbHandle } from './support/mariadb.js';
import { startTestCluster, type TestCluster } from './support/test-cluster.js';
import { waitFor } from './support/wait.js';

describe('cluster fault: the sender\'s node dies between acknowledging a message and pushing it', () => {
  let cluster: TestCluster;
  let db: MariaDbHandle;
  let zk: ZkSession;
  let nodes: DchatProcess[] = [];
  const people: Correspondent[] = [];

  before(async () => {
    cluster = await startTestCluster({ nodes: 2, nodeArgs: ['--zk-session-timeout-ms', '4000'] });
    ({ db, zk, nodes } = cluster);
  });
  after(async () => {
    for (const p of people) p.close();
    await cluster?.stop();
  });

  test('the recipient\'s node pushes the message once the dead node leaves the cluster, and it is shown once', async (t) => {
    const [a, b] = nodes as [DchatProcess, DchatProcess];
    const { bo, ledger } = await unpushedMessageScenario({ a, b, zk, dbUrl: db.url, prefix: 'sd', delivered: 20, people });
    await a.kill('SIGKILL');
    await waitFor(async () => (await zk.exists(`/dchat/nodes/${a.host}:${a.port}`)) === undefined, 15_000, 'the dead node to leave /dchat/nodes');

    await ledger.waitForAllAcknowledged(10_000);
    ledger.assertExactlyOnce(people);
    assert.equal(bo.connections, 1, 'bo never reconnected or logged in again');
    assert.match(b.output(), new RegExp(`node\\(s\\) ${a.host}:${a.port} left the cluster: replaying pending messages`), 'node B says why it replayed');
    t.diagnostic(ledger.summary());
  });
});
