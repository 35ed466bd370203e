import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterSnapshot } from './cluster-snapshot.js';
import { formatDuration, loadSeries, nodeTableRows, providerLines, summaryLines } from './dashboard-data.js';
import { LoadHistory } from './load-history.js';

const snapshot: ClusterSnapshot = {
  takenAtMs: 100_000,
  nodes: [{ nodeId: 'node-1', clientAddress: '127.0.0.1:7000', rpcAddress: '127.0.0.1:7001', startedAtMs: 10_000, weight: 2, connections: 5, users: 4, updatedAtMs: 97_000 }],
  unreadableNodes: [{ nodeId: 'node-x', reason: 'its data is not JSON: "?"' }],
  providers: { UserServiceRpc: ['127.0.0.1:7001'], FriendServiceRpc: [], GroupServiceRpc: [], OfflineServiceRpc: [], ChatServiceRpc: ['127.0.0.1:7001', '127.0.0.1:7101'] },
  onlineUsers: 4,
};

describe('dashboard data', () => {
  test('formatDuration rounds to the unit that matters', () => {
    assert.deepEqual([0, 45_000, 12 * 60_000, 185 * 60_000, 52 * 3_600_000].map(formatDuration), ['0s', '45s', '12m', '3h 5m', '2d 4h']);
  });

  test('the node table has a row per node, and unreadable nodes say why', () => {
    assert.deepEqual(nodeTableRows(snapshot, 100_000), [
      ['node-1', '127.0.0.1:7000', '127.0.0.1:7001', '2', '5', '4', '1m', '3s ago'],
      ['node-x', 'unreadable: its data is not JSON: "?"', '', '', '', '', '', ''],
    ]);
  });

  test('the provider pane lists every service, (none) where no provider runs', () => {
    const lines = providerLines(snapshot);
    assert.equal(lines.length, 5);
    assert.match(lines[0] ?? '', /^UserServiceRpc\s+127\.0\.0\.1:7001$/);
    assert.match(lines[1] ?? '', /^FriendServiceRpc\s+\(none\)$/);
    assert.match(lines[4] ?? '', /^ChatServiceRpc\s+127\.0\.0\.1:7001  127\.0\.0\.1:7101$/);
  });

  test('the summary counts users, nodes and connections', () => {
    assert.deepEqual(summaryLines(snapshot).slice(0, 3), ['online users   4', 'chat nodes     1 (+1 unreadable)', 'connections    5']);
  });

  test('load series have one line per node over the remembered times', () => {
    const history = new LoadHistory();
    history.add(snapshot);
    history.add({ ...snapshot, takenAtMs: 102_000, nodes: [] });
    const series = loadSeries(history, 'users');
    assert.equal(series.length, 1);
    assert.equal(series[0]?.title, 'node-1');
    assert.deepEqual(series[0]?.y, [4, 0]);
    assert.equal(series[0]?.x.length, 2);
  });
});
