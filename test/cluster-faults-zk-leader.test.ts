// Fault: the ZooKeeper leader dies while users on two chat nodes chat. A three-server ensemble,
// MariaDB and two `dchat server --zk <all three>` nodes run as separate processes. The leader is
// SIGKILLed mid-flow; the followers drop every client connection while they elect a new leader,
// so both nodes lose ZooKeeper for a moment. Their sessions must survive it (the ensemble keeps
// them), so the znodes they own stay where they are, and chatting goes on: every message is
// acknowledged and shown to its recipient exactly once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ZkSession } from '../src/zk/zk-session.js';
import { Correspondent, DeliveryLedger } from './support/delivery-ledger.js';
import type { DchatProcess } from './support/dchat-process.js';
import { startTestCluster, type TestCluster } from './support/test-cluster.js';
import { waitFor } from './support/wait.js';
import type { ZkServerHandle } from './support/zookeeper.js';

describe('cluster fault: the ZooKeeper leader is killed while users on two nodes chat', () => {
  let cluster: TestCluster;
  let ensemble: ZkServerHandle;
  let zk: ZkSession;
  let nodes: DchatProcess[] = [];
  const people: Correspondent[] = [];

  before(async () => {
    cluster = await startTestCluster({ nodes: 2, ensemble: true, nodeEnv: { DCHAT_TRACE: 'zk.session' } });
    ({ zkServer: ensemble, zk, nodes } = cluster);
  });
  after(async () => {
    for (const p of people) p.close();
    await cluster?.stop();
  });

  const owner = async (path: string): Promise<string> => (await zk.exists(path))?.ephemeralOwner ?? 'missing';

  test('chatting continues, nothing acknowledged is lost or shown twice, and the nodes keep their znodes', async (t) => {
    const [a, b] = nodes as [DchatProcess, DchatProcess];
    const ann = new Correspondent('zl-ann');
    const bo = new Correspondent('zl-bo');
    people.push(ann, bo);
    await ann.connect(a);
    await bo.connect(b);
    for (const p of [ann, bo]) {
      await p.register();
      await p.login();
    }
    const owned = [`/dchat/nodes/${a.host}:${a.port}`, `/dchat/nodes/${b.host}:${b.port}`, `/dchat/presence/${ann.id}`, `/dchat/presence/${bo.id}`];
    const ownersBefore = await waitFor(async () => {
      const found = await Promise.all(owned.map(owner));
      return found.includes('missing') ? undefined : found;
    }, 10_000, `the znodes ${owned.join(', ')}`);

    const ledger = new DeliveryLedger();
    const flow = async (tag: string, count: number): Promise<void> => {
      await Promise.all([
        (async () => { for (let i = 0; i < count; i++) await ledger.chat(ann, bo, `${tag} ann→bo ${i}`); })(),
        (async () => { for (let i = 0; i < count; i++) await ledger.chat(bo, ann, `${tag} bo→ann ${i}`); })(),
      ]);
    };
    await flow('before', 40);
    const leader = await ensemble.leaderIndex();
    // Messages keep flowing from the kill until a new leader serves (and at least 60 of them).
    let isElected = false;
    const election = ensemble.killServer(leader).then(() => ensemble.leaderIndex()).finally(() => (isElected = true));
    for (let i = 0; !isElected || i < 60; i++) {
      await Promise.all([ledger.chat(ann, bo, `during ann→bo ${i}`), ledger.chat(bo, ann, `during bo→ann ${i}`)]);
    }
    const newLeader = await election;
    assert.notEqual(newLeader, leader, 'another server leads');
    await flow('after', 50);

    await ledger.waitForAllAcknowledged(20_000);
    const summary = ledger.summary();
    assert.equal(ledger.count('acked'), ledger.sentCount, `chatting continues: every message is acknowledged (${summary}; refusals ${JSON.stringify(ledger.refusals.slice(0, 3))}; ${ledger.noAnswers.slice(0, 3).join('; ')})`);
    ledger.assertExactlyOnce([ann, bo]);
    assert.equal(ann.connections + bo.connections, 2, 'nobody had to reconnect');

    // The same sessions still own the node and presence znodes: no expiry, no re-registration.
    assert.deepEqual(await Promise.all(owned.map(owner)), ownersBefore, `owners of ${owned.join(', ')}`);
    for (const node of nodes) assert.match(node.output(), /disconnected from session/, `node ${node.port} lost its ZooKeeper connection during the election`);
    for (const node of nodes) assert.doesNotMatch(node.output(), /session 0x\S+ expired/, `node ${node.port} kept its session`);
    t.diagnostic(`ZooKeeper leader ${leader} killed, ${newLeader} leads now; ${summary}`);
  });
});
