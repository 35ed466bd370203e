// Fault: one of three chat nodes behind nginx dies (kill -9) while users chat through nginx.
// ZooKeeper, MariaDB, three `dchat server --zk` nodes and nginx (round-robin with max_fails and
// fail_timeout, from a config this test writes) run as separate processes; every client connects
// through nginx only. After the kill nginx must send new clients to the live nodes, where they log
// in and chat; the dead node's users reconnect through nginx, log in again and are shown what they
// missed, each acknowledged message exactly once. The dead node's users were writing too: a message
// it acknowledged and died before pushing reaches its recipient when the live nodes see the dead
// one leave /dchat/nodes (src/server/redelivery.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ZkSession } from '../src/zk/zk-session.js';
import { Correspondent, DeliveryLedger, type Endpoint } from './support/delivery-ledger.js';
import type { DchatProcess } from './support/dchat-process.js';
import { freeLoopbackPort, roundRobinStream, startNginx, type NginxHandle } from './support/nginx.js';
import { startTestCluster, type TestCluster } from './support/test-cluster.js';
import { waitFor } from './support/wait.js';


describe('cluster fault: a node behind nginx is killed while users chat through nginx', () => {
  let cluster: TestCluster;
  let zk: ZkSession;
  let nginx: NginxHandle;
  let nodes: DchatProcess[] = [];
  const people: Correspondent[] = [];

  before(async () => {
    cluster = await startTestCluster({ nodes: 3, nodeArgs: ['--zk-session-timeout-ms', '4000'] });
    ({ zk, nodes } = cluster);
  });
  after(async () => {
    for (const p of people) p.close();
    await nginx?.stop();
    await cluster?.stop();
  });

  /** The node a user is logged in on, as /dchat/presence says ("host:port"). */
  const nodeOf = async (person: Correspondent): Promise<string> => {
    const entry = await zk.getData(`/dchat/presence/${person.id}`);
    return entry ? String((JSON.parse(entry.data.toString()) as Record<string, unknown>)['nodeId']) : 'nowhere';
  };
  const joinThrough = async (lb: Endpoint, name: string): Promise<Correspondent> => {
    const person = new Correspondent(name);
    people.push(person);
    await person.connect(lb);
    await person.register();
    await person.login();
    return person;
  };

  test('new clients land on live nodes and chat; the dead node\'s users reconnect and are shown what they missed once', async (t) => {
    const listenPort = await freeLoopbackPort();
    nginx = await startNginx(roundRobinStream(listenPort, nodes, 3));
    const lb: Endpoint = { host: '127.0.0.1', port: listenPort };
    const first: Correspondent[] = [];
    for (let i = 0; i < 6; i++) first.push(await joinThrough(lb, `ng-user${i}`));
    const placed = await Promise.all(first.map(nodeOf));
    assert.equal(new Set(placed).size, 3, `round-robin puts the first six users on all three nodes: ${placed.join(', ')}`);

    const victim = nodes[0] as DchatProcess;
    const victimId = `${victim.host}:${victim.port}`;
    const stranded = first.filter((_, i) => placed[i] === victimId);
    const survivors = first.filter((_, i) => placed[i] !== victimId);
    const liveIds = nodes.slice(1).map((n) => `${n.host}:${n.port}`);

    // Every survivor writes to every stranded user and to the next survivor, without pause.
    const ledger = new DeliveryLedger();
    let isDone = false;
    const chatter = async (from: Correspondent, to: Correspondent): Promise<void> => {
      for (let i = 0; !isDone; i++) {
        if ((await ledger.chat(from, to, `${from.name}→${to.name} ${i}`)) === 'no-answer' && !from.isConnected()) return;
      }
    };
    const flows = [
      ...survivors.flatMap((s) => stranded.map((v) => chatter(s, v))),
      ...survivors.map((s, i) => chatter(s, survivors[(i + 1) % survivors.length] as Correspondent)),
      ...stranded.map((v, i) => chatter(v, survivors[i] as Correspondent)),
    ];
    await waitFor(() => ledger.count('acked') >= 100, 10_000, '100 messages acknowledged before the kill');
    await victim.kill('SIGKILL');
    await waitFor(() => stranded.every((v) => !v.isConnected()), 5_000, 'the dead node\'s users to lose their connections');

    const newcomers: Correspondent[] = [];
    for (let i = 0; i < 6; i++) newcomers.push(await joinThrough(lb, `ng-new${i}`));
    const newPlaces = await Promise.all(newcomers.map(nodeOf));
    assert.deepEqual(newPlaces.filter((p) => !liveIds.includes(p)), [], `new clients land on live nodes only: ${newPlaces.join(', ')}`);
    for (let i = 0; i < newcomers.length; i += 2) {
      const [x, y] = [newcomers[i] as Correspondent, newcomers[i + 1] as Correspondent];
      for (let k = 0; k < 5; k++) {
        assert.equal(await ledger.chat(x, y, `${x.name}→${y.name} ${k}`), 'acked');
        assert.equal(await ledger.chat(y, x, `${y.name}→${x.name} ${k}`), 'acked');
      }
    }

    for (const v of stranded) {
      await v.connect(lb);
      await v.login();
    }
    const backOn = await Promise.all(stranded.map(nodeOf));
    assert.deepEqual(backOn.filter((p) => !liveIds.includes(p)), [], `the dead node's users log in again on live nodes: ${backOn.join(', ')}`);
    const ackedAtReturn = ledger.count('acked');
    await waitFor(() => ledger.count('acked') >= ackedAtReturn + 100, 10_000, '100 more messages acknowledged after the dead node\'s users came back');
    isDone = true;
    await Promise.all(flows);

    await ledger.waitForAllAcknowledged(20_000);
    t.diagnostic(`killed ${victimId} with ${stranded.length} users on it; ${ledger.summary()}`);
    ledger.assertExactlyOnce(people);
    // A call in flight to the dead node's services may or may not have stored its message: such a
    // send is refused as UNAVAILABLE (try again), never as an internal error.
    assert.deepEqual([...new Set(ledger.refusals.map((r) => r.status))].filter((s) => s !== 'UNAVAILABLE'), [], 'refusals are UNAVAILABLE only');
    for (const v of stranded) assert.equal(v.connections, 2, `${v.name} connected twice: before the kill and after`);
    assert.match(nginx.errorLog(), new RegExp(`connect\\(\\) failed .* upstream: "${victimId.replace(/\./g, '\\.')}"`), 'nginx saw the dead node refuse');
    assert.match(nginx.errorLog(), /upstream server temporarily disabled/, 'nginx left the dead node out (max_fails)');
  });
});
