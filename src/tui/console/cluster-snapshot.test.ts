import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ZkSession } from '../../zk/zk-session.js';
import { startZooKeeper, type ZkServerHandle } from '../../../test/support/zookeeper.js';
import { waitFor } from '../../../test/support/wait.js';
import { parseNodeEntry, readClusterSnapshot, watchCluster } from './cluster-snapshot.js';

function nodeEntry(nodeId: string, port: number, load: { connections: number; users: number }): Buffer {
  return Buffer.from(JSON.stringify({
    nodeId,
    clientAddress: `127.0.0.1:${port}`,
    rpcAddress: `127.0.0.1:${port + 1}`,
    startedAtMs: 1_000,
    weight: 1,
    ...load,
    updatedAtMs: 2_000,
  }));
}

describe('parseNodeEntry', () => {
  test('reads every field a node registers', () => {
    const parsed = parseNodeEntry('n1', nodeEntry('n1', 7000, { connections: 4, users: 3 }));
    assert.deepEqual(parsed, { ok: true, value: { nodeId: 'n1', clientAddress: '127.0.0.1:7000', rpcAddress: '127.0.0.1:7001', startedAtMs: 1000, weight: 1, connections: 4, users: 3, updatedAtMs: 2000, reportIntervalMs: 5000 } });
  });

  test('names the field that is wrong, and data that is not JSON', () => {
    assert.deepEqual(parseNodeEntry('n1', Buffer.from('{"clientAddress":"a:1","rpcAddress":"b:2","users":"many"}')), { ok: false, error: 'users is "many", not a number' });
    assert.deepEqual(parseNodeEntry('n1', Buffer.from('{"rpcAddress":"b:2"}')), { ok: false, error: 'clientAddress is undefined, not a string' });
    assert.deepEqual(parseNodeEntry('n1', Buffer.from('hello')), { ok: false, error: 'its data is not JSON: "hello"' });
  });
});

describe('cluster snapshot on a real ZooKeeper', () => {
  let zk: ZkServerHandle;
  let node: ZkSession;
  let consoleSession: ZkSession;
  before(async () => {
    zk = await startZooKeeper();
    node = await ZkSession.connect({ connectString: zk.connectString });
    consoleSession = await ZkSession.connect({ connectString: zk.connectString });
  });
  after(async () => {
    await consoleSession?.close();
    await node?.close();
    await zk?.stop();
  });

  test('an empty ZooKeeper shows no nodes, no providers and no one online', async () => {
    const snapshot = await readClusterSnapshot(consoleSession, 42);
    assert.deepEqual(snapshot, {
      takenAtMs: 42,
      nodes: [],
      unreadableNodes: [],
      providers: { UserServiceRpc: [], FriendServiceRpc: [], GroupServiceRpc: [], OfflineServiceRpc: [], ChatServiceRpc: [] },
      onlineUsers: 0,
    });
  });

  test('shows the nodes, providers and online users as chat nodes register them, and follows changes through the watches', async () => {
    let changes = 0;
    const stop = watchCluster(consoleSession, () => changes++);
    try {
      await waitFor(() => changes >= 7, 5000, 'the first report of each of the seven watched lists');
      await node.registerEphemeral('/dchat/nodes/node-b', nodeEntry('node-b', 7100, { connections: 2, users: 1 }));
      await node.registerEphemeral('/dchat/nodes/node-a', nodeEntry('node-a', 7000, { connections: 5, users: 4 }));
      await node.registerEphemeral('/dchat/nodes/node-broken', Buffer.from('not json'));
      for (const service of ['UserServiceRpc', 'ChatServiceRpc']) {
        await node.ensurePath(`/${service}`);
        await node.registerEphemeral(`/${service}/127.0.0.1:7001`, Buffer.from('127.0.0.1:7001'));
      }
      await node.registerEphemeral('/ChatServiceRpc/127.0.0.1:7101', Buffer.from('127.0.0.1:7101'));
      for (const userId of [11, 12, 13]) await node.registerEphemeral(`/dchat/presence/${userId}`, Buffer.from('{}'));

      const snapshot = await readClusterSnapshot(consoleSession);
      assert.deepEqual(snapshot.nodes.map((n) => [n.nodeId, n.clientAddress, n.connections, n.users]), [['node-a', '127.0.0.1:7000', 5, 4], ['node-b', '127.0.0.1:7100', 2, 1]]);
      assert.deepEqual(snapshot.unreadableNodes, [{ nodeId: 'node-broken', reason: 'its data is not JSON: "not json"' }]);
      assert.deepEqual(snapshot.providers.ChatServiceRpc, ['127.0.0.1:7001', '127.0.0.1:7101']);
      assert.deepEqual(snapshot.providers.UserServiceRpc, ['127.0.0.1:7001']);
      assert.deepEqual(snapshot.providers.GroupServiceRpc, []);
      assert.equal(snapshot.onlineUsers, 3);

      const before = changes;
      await node.unregisterEphemeral('/dchat/presence/12');
      await waitFor(() => changes > before, 5000, 'a watch event when a user logs out');
      const seen = changes;
      await node.unregisterEphemeral('/dchat/nodes/node-b');
      await waitFor(() => changes > seen, 5000, 'a watch event when a node leaves');
      const later = await readClusterSnapshot(consoleSession);
      assert.deepEqual(later.nodes.map((n) => n.nodeId), ['node-a']);
      assert.equal(later.onlineUsers, 2);
    } finally {
      stop();
    }
  });
});
