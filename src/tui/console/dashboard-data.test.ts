import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterSnapshot } from './cluster-snapshot.js';
import { NodeStarts, sortedNodes, viewOf } from './cluster-view.js';
import { cell, columnsOf, cut, firstLines, fitColumns, formatDuration, groupedProviderLines, loadSeries, nodeDetailLines, nodeTableRows, onceText, providerLines, summaryLines, tableLines, unreadableRows } from './dashboard-data.js';
import { LoadHistory } from './load-history.js';

const snapshot: ClusterSnapshot = {
  takenAtMs: 100_000,
  nodes: [{ nodeId: 'node-1', clientAddress: '127.0.0.1:7000', rpcAddress: '127.0.0.1:7001', startedAtMs: 10_000, weight: 2, connections: 5, users: 4, updatedAtMs: 97_000 , reportIntervalMs: 5000}],
  unreadableNodes: [{ nodeId: 'node-x', reason: 'its data is not JSON: "?"' }],
  providers: { UserServiceRpc: ['127.0.0.1:7001'], FriendServiceRpc: [], GroupServiceRpc: [], OfflineServiceRpc: [], ChatServiceRpc: ['127.0.0.1:7001', '127.0.0.1:7101'] },
  onlineUsers: 4,
};

describe('dashboard data', () => {
  test('formatDuration rounds to the unit that matters', () => {
    assert.deepEqual([0, 45_000, 12 * 60_000, 185 * 60_000, 52 * 3_600_000].map(formatDuration), ['0s', '45s', '12m', '3h 5m', '2d 4h']);
  });

  test('the node table has a row per node with its state, and unreadable nodes say why', () => {
    assert.deepEqual(nodeTableRows(viewOf(snapshot), 100_000), [['node-1', 'up', '127.0.0.1:7000', '127.0.0.1:7001', '2', '5', '4', '1m', '3s ago']]);
    assert.deepEqual(unreadableRows(viewOf(snapshot)), [['node-x', 'unreadable', 'its data is not JSON: "?"']]);
  });

  test('a node silent for two report intervals is stale and leaves the totals', () => {
    const quiet = { ...snapshot.nodes[0]!, nodeId: 'node-2', connections: 7, users: 6, updatedAtMs: 100_000 - 10_001 };
    const view = viewOf({ ...snapshot, nodes: [snapshot.nodes[0]!, quiet] });
    assert.deepEqual(view.nodes.map((n) => n.state), ['up', 'stale']);
    assert.deepEqual(view.totals, { nodes: 1, staleNodes: 1, connections: 5, users: 4 });
    assert.equal(nodeTableRows(view, 100_000)[1]?.[1], 'stale: silent 10s');
    assert.equal(summaryLines(view)[1], 'chat nodes   1, 1 stale, 1 unreadable');
  });

  test('a node seen with a new start time is marked restarted', () => {
    const starts = new NodeStarts();
    viewOf(snapshot, starts);
    const again = viewOf({ ...snapshot, takenAtMs: 101_000, nodes: [{ ...snapshot.nodes[0]!, startedAtMs: 100_500, updatedAtMs: 100_900 }] }, starts);
    assert.equal(again.nodes[0]?.state, 'restarted');
    assert.equal(again.nodes[0]?.restartedAtMs, 101_000);
  });

  test('the provider pane lists every service, (none) where no provider runs, wrapped between addresses', () => {
    const lines = providerLines(snapshot);
    assert.equal(lines.length, 5);
    assert.match(lines[0] ?? '', /^UserServiceRpc\s+127\.0\.0\.1:7001$/);
    assert.match(lines[1] ?? '', /^FriendServiceRpc\s+\(none\)$/);
    assert.match(lines[4] ?? '', /^ChatServiceRpc\s+127\.0\.0\.1:7001 127\.0\.0\.1:7101$/);
    const narrow = providerLines(snapshot, 36);
    assert.deepEqual(narrow.slice(4), ['ChatServiceRpc     127.0.0.1:7001', '                   127.0.0.1:7101']);
  });

  test('table columns fit their content with a gap, and cut with an ellipsis when too narrow', () => {
    const rows = [['node-1', 'a-long-client-address:7000']];
    assert.deepEqual(tableLines(['node', 'address'], rows, 80), ['node    address', 'node-1  a-long-client-address:7000']);
    assert.deepEqual(tableLines(['node', 'address'], rows, 20), ['node    address', 'node-1  a-long-clie…']);
  });

  test('addresses are cut last when the table is too wide', () => {
    const widths = fitColumns(['node', 'state', 'rpc address'], [['127.0.0.1:41234', 'restarted 17:40:01', '127.0.0.1:41235']], 40);
    assert.equal(widths[2], 15, 'the address stays whole');
    assert.ok(widths.reduce((a, b) => a + b, 4) <= 40);
  });

  test('--once prints the table, the providers and the totals within 80 columns', () => {
    const text = onceText(viewOf(snapshot), 80);
    assert.match(text, /^node\s+state\s+client address\s+rpc address/);
    assert.match(text, /node-1\s+up\s+127\.0\.0\.1:7000\s+127\.0\.0\.1:7001\s+2\s+5\s+4/);
    assert.match(text, /node-x  unreadable: its data is not JSON/);
    assert.match(text, /online users\s+4/);
    assert.ok(text.split('\n').every((line) => line.length <= 80), text);
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

  test('the node table sorts by users, connections, uptime or state, ties by id', () => {
    const base = snapshot.nodes[0]!;
    const view = viewOf({ ...snapshot, nodes: [{ ...base, nodeId: 'b', users: 1, startedAtMs: 5 }, { ...base, nodeId: 'a', users: 9, startedAtMs: 50 }, { ...base, nodeId: 'c', users: 1, startedAtMs: 1 }] });
    assert.deepEqual(sortedNodes(view.nodes, 'node').map((n) => n.nodeId), ['a', 'b', 'c']);
    assert.deepEqual(sortedNodes(view.nodes, 'users').map((n) => n.nodeId), ['a', 'b', 'c']);
    assert.deepEqual(sortedNodes(view.nodes, 'up').map((n) => n.nodeId), ['c', 'b', 'a']);
  });
  test('wide node ids (CJK, emoji) are measured in terminal columns: columns line up, cuts fit', () => {
    const ids = ['東京-節点-1', '🚀-node-2', 'node-3'];
    const base = snapshot.nodes[0]!;
    const view = viewOf({ ...snapshot, unreadableNodes: [], nodes: ids.map((nodeId, i) => ({ ...base, nodeId, users: i })) });
    const text = onceText(view, 80);
    const rows = text.split('\n').slice(1, 4);
    // Each row's state column ("up") starts at the same terminal column whatever the id's script.
    const stateColumn = (row: string): number => columnsOf(row.slice(0, row.indexOf('  up') + 2));
    assert.deepEqual(rows.map(stateColumn), [13, 13, 13], text);
    assert.ok(text.split('\n').every((line) => columnsOf(line) <= 80), text);
    assert.equal(cut('東京東京東京', 7), '東京東…');
    assert.equal(cut('東京東京東京', 6), '東京…', 'a two-column character that would pass the limit goes');
    assert.equal(cell('東京東京東京', 6), '東京… ', 'and the cell is padded to its width');
    assert.equal(cut('🚀🚀🚀🚀', 5), '🚀🚀…');
    assert.equal(cut('👨‍👩‍👧 family', 20), '👨‍👩‍👧 family', 'a ZWJ sequence is two columns, not eight');
    const narrow = tableLines(['node', 'state'], [['東京-節点-1', 'up']], 12);
    assert.ok(narrow.every((line) => columnsOf(line) <= 12), narrow.join('\n'));
    assert.equal(fitColumns(['node'], [['東京-節点-1']], 80)[0], 11, 'the width of 東京-節点-1 is 11 columns, not its 7 code units');
  });
  test('grouped, the providers take a line per distinct list: "every service" when all share one', () => {
    const everywhere = ['127.0.0.1:7001', '127.0.0.1:7101'];
    const all = { UserServiceRpc: everywhere, FriendServiceRpc: everywhere, GroupServiceRpc: everywhere, OfflineServiceRpc: everywhere, ChatServiceRpc: everywhere };
    assert.deepEqual(groupedProviderLines({ providers: all }), ['every service  127.0.0.1:7001 127.0.0.1:7101']);
    const split = { ...all, UserServiceRpc: ['127.0.0.1:9000'], FriendServiceRpc: ['127.0.0.1:9000'], OfflineServiceRpc: [] };
    assert.deepEqual(groupedProviderLines({ providers: split }), [
      'User, Friend       127.0.0.1:9000',
      'Group, Chat        127.0.0.1:7001 127.0.0.1:7101',
      'OfflineServiceRpc  (none)',
    ]);
  });

  test('firstLines says how many lines did not fit', () => {
    assert.deepEqual(firstLines(['a', 'b', 'c'], 3, (n) => `${n} more`), ['a', 'b', 'c']);
    assert.deepEqual(firstLines(['a', 'b', 'c', 'd'], 3, (n) => `${n} more`), ['a', 'b', '2 more']);
  });

  test("a node's detail has every field of its entry and the services on its rpc address; the charts can show it alone", () => {
    const view = viewOf(snapshot);
    const detail = nodeDetailLines(view, 'node-1', 100_000);
    assert.ok(detail.includes('rpc address     127.0.0.1:7001'), detail.join('\n'));
    assert.ok(detail.includes('provides        UserServiceRpc, ChatServiceRpc'), detail.join('\n'));
    assert.ok(detail.includes('last report     3s ago, every 5s'), detail.join('\n'));
    assert.match(nodeDetailLines(view, 'node-gone', 100_000).join('\n'), /not in \/dchat\/nodes any more/);
    const history = new LoadHistory();
    history.add({ ...snapshot, nodes: [snapshot.nodes[0]!, { ...snapshot.nodes[0]!, nodeId: 'node-2' }] });
    assert.deepEqual(loadSeries(history, 'users', 'node-2').map((s) => s.title), ['node-2']);
    assert.deepEqual(loadSeries(history, 'users').map((s) => s.title), ['node-1', 'node-2']);
  });
});
