// The seed architecture across separate hosts (network namespaces, test/support/hosts.ts): a
// ZooKeeper ensemble of three on three hosts, MariaDB on a fourth, three chat nodes on a host
// each, nginx and `dchat lb` on a front host, and clients on two client hosts, every process
// binding its own host's address. Users on both client hosts, placed by nginx on all three nodes,
// chat one to one and in a group.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryLedger } from './support/delivery-ledger.js';
import { startHostsCluster, type HostsCluster } from './support/hosts-cluster.js';
import type { RemoteCorrespondent } from './support/remote-correspondent.js';

describe('dchat across hosts', () => {
  let cluster: HostsCluster;

  before(async () => {
    cluster = await startHostsCluster({ nodes: 3, clientHosts: 2 });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('every part binds its own host\'s address, and users on two client hosts chat across three nodes', async () => {
    const { net, nodes, zk } = cluster;
    for (const node of nodes) {
      assert.match(node.process.output(), new RegExp(`listening on ${node.host.address.replace(/\./g, '\\.')}:6000 .*rpc ${node.host.address.replace(/\./g, '\\.')}:7000`));
      const record = JSON.parse((await zk.getData(`/dchat/nodes/${node.nodeId}`))?.data.toString() ?? '{}') as Record<string, unknown>;
      assert.equal(record['clientAddress'], node.nodeId, `node ${node.host.name} advertises its host's address`);
    }
    assert.deepEqual(cluster.zkServer.hosts, ['zk1', 'zk2', 'zk3'].map((n) => net.host(n).address));
    assert.match(cluster.db.url, new RegExp(`@${net.host('db').address.replace(/\./g, '\\.')}:`));

    const people: RemoteCorrespondent[] = [];
    for (let i = 0; i < 6; i++) {
      const person = (cluster.clients[i % 2] ?? assert.fail('no client host')).person(`hc-user${i}`);
      await person.connect(cluster.front);
      await person.register();
      await person.login();
      people.push(person);
    }
    const placed = await Promise.all(people.map((p) => cluster.nodeOf(p.id)));
    assert.deepEqual(new Set(placed), new Set(nodes.map((n) => n.nodeId)), `nginx placed the six users on all three nodes: ${placed.join(', ')}`);

    const ledger = new DeliveryLedger();
    for (const from of people) for (const to of people) if (from !== to) assert.equal(await ledger.chat(from, to, `${from.name}→${to.name}`), 'acked');
    const [owner, ...members] = people as [RemoteCorrespondent, ...RemoteCorrespondent[]];
    const groupId = (await owner.call({ createGroup: { name: 'hosts', desc: 'across hosts' } })).group?.group?.id ?? 0;
    for (const m of members) await m.call({ addGroup: { groupId } });
    assert.equal(await ledger.groupChat(owner, groupId, members, 'to the group across hosts'), 'acked');
    await ledger.waitForAllAcknowledged(10_000);
    ledger.assertExactlyOnce(people);
  });
});
