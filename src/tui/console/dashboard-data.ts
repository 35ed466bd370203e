// What the console's widgets show, computed from snapshots: the rows of the node table, the
// series of the load charts and the text of the provider and summary panes. Kept apart from
// blessed so that it can be tested as plain values.
import type { ClusterSnapshot, NodeSnapshot } from './cluster-snapshot.js';
import { serviceNames } from './cluster-snapshot.js';
import type { LoadHistory } from './load-history.js';

export const nodeTableHeaders = ['node', 'client address', 'rpc address', 'weight', 'conns', 'users', 'up', 'updated'];

export interface ChartSeries {
  title: string;
  x: string[];
  y: number[];
}

/** "45s", "12m", "3h 5m", "2d 4h": how long, to the unit that matters. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function formatClock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function nodeRow(node: NodeSnapshot, nowMs: number): string[] {
  return [
    node.nodeId,
    node.clientAddress,
    node.rpcAddress,
    String(node.weight),
    String(node.connections),
    String(node.users),
    formatDuration(nowMs - node.startedAtMs),
    `${formatDuration(nowMs - node.updatedAtMs)} ago`,
  ];
}

export function nodeTableRows(snapshot: ClusterSnapshot, nowMs: number): string[][] {
  const rows = snapshot.nodes.map((node) => nodeRow(node, nowMs));
  for (const bad of snapshot.unreadableNodes) rows.push([bad.nodeId, `unreadable: ${bad.reason}`, '', '', '', '', '', '']);
  return rows;
}

/** One series per node for `field`, over the remembered times; 0 where the node was absent. */
export function loadSeries(history: LoadHistory, field: 'connections' | 'users'): ChartSeries[] {
  const x = history.timesMs().map(formatClock);
  return history.nodeIds().map((nodeId) => ({ title: nodeId, x, y: history.pointsOf(nodeId).map((p) => p?.[field] ?? 0) }));
}

export function providerLines(snapshot: ClusterSnapshot): string[] {
  const width = Math.max(...serviceNames.map((name) => name.length));
  return serviceNames.map((name) => {
    const list = snapshot.providers[name];
    return `${name.padEnd(width)}  ${list.length === 0 ? '(none)' : list.join('  ')}`;
  });
}

export function summaryLines(snapshot: ClusterSnapshot): string[] {
  const connections = snapshot.nodes.reduce((sum, n) => sum + n.connections, 0);
  return [
    `online users   ${snapshot.onlineUsers}`,
    `chat nodes     ${snapshot.nodes.length}${snapshot.unreadableNodes.length > 0 ? ` (+${snapshot.unreadableNodes.length} unreadable)` : ''}`,
    `connections    ${connections}`,
    `read at        ${formatClock(snapshot.takenAtMs)}`,
  ];
}
