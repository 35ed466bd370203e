// Fault: a chat node's ZooKeeper session expires while its users are being written to. ZooKeeper,
// MariaDB and two `dchat server --zk` nodes run as separate processes; the test expires node B's
// session for real (a second client joins it with its id and password and closes it, see
// expireSession), which deletes every ephemeral znode B owns: its /dchat/nodes entry, its users'
// presence and its RPC providers. B must open a new session and put all of them back, and every
// message acknowledged to a sender, also in the window where B's users had no presence, must be
// shown to its recipient exactly once (one-to-one and in a group), without anyone logging in again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ZkSession } from '../src/zk/zk-session.js';
import { Correspondent, DeliveryLedger } from './support/delivery-ledger.js';
import type { DchatProcess } from './support/dchat-process.js';
import { startTestCluster, type TestCluster } from './support/test-cluster.js';
import { waitFor } from './support/wait.js';
import { zkSessionPassword } from './support/zk-session-password.js';
import { expireSession, type ZkServerHandle } from './support/zookeeper.js';

const services = ['UserServiceRpc', 'FriendServiceRpc', 'GroupServiceRpc', 'OfflineServiceRpc', 'ChatServiceRpc'];

describe('cluster fault: a node\'s ZooKeeper session expires while its users are written to', () => {
  let cluster: TestCluster;
  let zkServer: ZkServerHandle;
  let zk: ZkSession;
  let nodes: DchatProcess[] = [];
  const people: Correspondent[] = [];

  before(async () => {
    cluster = await startTestCluster({ nodes: 2 });
    ({ zkServer: zkServer, zk, nodes } = cluster);
  });
  after(async () => {
    for (const p of people) p.close();
    await cluster?.stop();
  });

  const owner = async (path: string): Promise<string> => (await zk.exists(path))?.ephemeralOwner ?? 'missing';

  test('the node re-registers its entry, its users\' presence and its providers, and messages to its users still arrive', async (t) => {
    const [a, b] = nodes as [DchatProcess, DchatProcess];
    const ann = new Correspondent('ze-ann');
    const bo = new Correspondent('ze-bo');
    const cy = new Correspondent('ze-cy');
    people.push(ann, bo, cy);
    await ann.connect(a);
    await bo.connect(b);
    await cy.connect(b);
    for (const p of people) {
      await p.register();
      await p.login();
    }
    const nodePath = `/dchat/nodes/${b.host}:${b.port}`;
    const rpcAddress = await waitFor(async () => {
      const entry = await zk.getData(nodePath);
      return entry ? String((JSON.parse(entry.data.toString()) as Record<string, unknown>)['rpcAddress']) : undefined;
    }, 10_000, `${nodePath} with B's RPC address`);
    const bOwns = [nodePath, `/dchat/presence/${bo.id}`, `/dchat/presence/${cy.id}`, ...services.map((s) => `/${s}/${rpcAddress}`)];
    const oldSession = await owner(nodePath);
    assert.deepEqual(await Promise.all(bOwns.map(owner)), bOwns.map(() => oldSession), 'B\'s session owns all of these before the expiry');

    const group = await ann.call({ createGroup: { name: 'ze-crew', desc: 'across the expiry' } });
    const groupId = group.group?.group?.id ?? 0;
    for (const p of [bo, cy]) await p.call({ addGroup: { groupId } });

    const ledger = new DeliveryLedger();
    const round = (tag: string, i: number): Promise<unknown> =>
      Promise.all([
        ledger.chat(ann, bo, `${tag} ann→bo ${i}`),
        ledger.chat(ann, cy, `${tag} ann→cy ${i}`),
        ledger.chat(bo, ann, `${tag} bo→ann ${i}`),
        ledger.groupChat(ann, groupId, [bo, cy], `${tag} ann→crew ${i}`),
      ]);
    for (let i = 0; i < 30; i++) await round('before', i);

    // Messages keep flowing from the expiry until B has put back everything it owned.
    let isRestored = false;
    const restored = expireSession(zkServer.connectString, oldSession, zkSessionPassword(oldSession)).then(() =>
      waitFor(async () => {
        const owners = await Promise.all(bOwns.map(owner));
        const newSession = owners[0];
        return newSession !== 'missing' && newSession !== oldSession && owners.every((o) => o === newSession) ? newSession : undefined;
      }, 20_000, `node B to re-register ${bOwns.join(', ')} in a new session`),
    ).finally(() => (isRestored = true));
    for (let i = 0; !isRestored || i < 30; i++) await round('during', i);
    const newSession = await restored;
    for (let i = 0; i < 30; i++) await round('after', i);

    await ledger.waitForAllAcknowledged(15_000);
    const summary = ledger.summary();
    assert.equal(ledger.count('acked'), ledger.sentCount, `every message is acknowledged (${summary}; ${JSON.stringify(ledger.refusals.slice(0, 3))})`);
    ledger.assertExactlyOnce(people);
    assert.equal(people.reduce((n, p) => n + p.connections, 0), 3, 'nobody had to reconnect or log in again');
    assert.match(b.output(), new RegExp(`session 0x${oldSession} expired`), 'node B saw its session expire');
    t.diagnostic(`session 0x${oldSession} expired, node B now in 0x${newSession}; ${summary}`);
  });
});
