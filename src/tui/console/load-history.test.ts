import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterSnapshot, NodeSnapshot } from './cluster-snapshot.js';
import { LoadHistory } from './load-history.js';

function node(nodeId: string, connections: number, users: number): NodeSnapshot {
  return { nodeId, clientAddress: '127.0.0.1:1', rpcAddress: '127.0.0.1:2', startedAtMs: 0, weight: 1, connections, users, updatedAtMs: 0 , reportIntervalMs: 5000};
}

function snapshot(atMs: number, nodes: NodeSnapshot[]): ClusterSnapshot {
  const providers = { UserServiceRpc: [], FriendServiceRpc: [], GroupServiceRpc: [], OfflineServiceRpc: [], ChatServiceRpc: [] };
  return { takenAtMs: atMs, nodes, unreadableNodes: [], providers, onlineUsers: 0 };
}

describe('load history', () => {
  test('keeps one point per snapshot per node, aligned in time, with gaps where a node was absent', () => {
    const history = new LoadHistory();
    history.add(snapshot(1, [node('a', 1, 1)]));
    history.add(snapshot(2, [node('a', 2, 1), node('b', 5, 3)]));
    history.add(snapshot(3, [node('b', 6, 4)]));
    assert.deepEqual(history.timesMs(), [1, 2, 3]);
    assert.deepEqual(history.nodeIds(), ['a', 'b']);
    assert.deepEqual(history.pointsOf('a').map((p) => p?.connections), [1, 2, undefined]);
    assert.deepEqual(history.pointsOf('b').map((p) => p?.users), [undefined, 3, 4]);
  });

  test('drops the oldest points past maxPoints, and a node once it has no point left', () => {
    const history = new LoadHistory(2);
    history.add(snapshot(1, [node('gone', 1, 1)]));
    history.add(snapshot(2, [node('stays', 1, 1)]));
    assert.deepEqual(history.nodeIds(), ['gone', 'stays']);
    history.add(snapshot(3, [node('stays', 2, 1)]));
    assert.deepEqual(history.timesMs(), [2, 3]);
    assert.deepEqual(history.nodeIds(), ['stays']);
  });
});
