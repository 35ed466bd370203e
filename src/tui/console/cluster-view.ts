// What the console says about each node, beyond its entry: whether it still reports (a node
// whose entry has not been rewritten for two of its report intervals is stale: its process hangs
// or its host is cut off, though its ephemeral znode lives on until the session expires), and
// whether it restarted while the console watched (its entry came back with a new startedAtMs).
// Stale nodes are listed but left out of the totals. The same view feeds the dashboard,
// `--once` (a table) and `--once --json`.
import type { ClusterSnapshot, NodeSnapshot, ServiceName } from './cluster-snapshot.js';

export type NodeState = 'up' | 'restarted' | 'stale';

export interface NodeView extends NodeSnapshot {
  state: NodeState;
  /** How long since the node last rewrote its entry. */
  silentMs: number;
  /** When the console saw it come back with a new start time; 0 if it did not. */
  restartedAtMs: number;
}

export interface ClusterView {
  takenAtMs: number;
  nodes: NodeView[];
  unreadableNodes: { nodeId: string; reason: string }[];
  providers: Record<ServiceName, string[]>;
  onlineUsers: number;
  /** Over the nodes that report (not stale). */
  totals: { nodes: number; staleNodes: number; connections: number; users: number };
}

/** The orders `s` cycles through in the dashboard: by id, then the busiest or oldest first. */
export const nodeOrders = ['node', 'users', 'conns', 'up', 'state'] as const;
export type NodeOrder = (typeof nodeOrders)[number];

const stateRank: Record<NodeState, number> = { stale: 0, restarted: 1, up: 2 };

/** The nodes in `order`; ties keep the order of their ids. */
export function sortedNodes(nodes: readonly NodeView[], order: NodeOrder): NodeView[] {
  const byId = [...nodes].sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  const key: Record<NodeOrder, (n: NodeView) => number> = {
    node: () => 0,
    users: (n) => -n.users,
    conns: (n) => -n.connections,
    up: (n) => n.startedAtMs,
    state: (n) => stateRank[n.state],
  };
  return byId.sort((a, b) => key[order](a) - key[order](b));
}

/** A node is stale once two report intervals passed without an update. */
export function isStale(node: NodeSnapshot, nowMs: number): boolean {
  return nowMs - node.updatedAtMs > 2 * node.reportIntervalMs;
}

/** Remembers each node's start time, to tell a restart from a node that just stays up. */
export class NodeStarts {
  private readonly startedAtMs = new Map<string, number>();
  private readonly restartedAtMs = new Map<string, number>();

  /** When `node` was seen to restart (0: never); `nowMs` is when this snapshot was read. */
  observe(node: NodeSnapshot, nowMs: number): number {
    const known = this.startedAtMs.get(node.nodeId);
    if (known !== undefined && known !== node.startedAtMs) this.restartedAtMs.set(node.nodeId, nowMs);
    this.startedAtMs.set(node.nodeId, node.startedAtMs);
    return this.restartedAtMs.get(node.nodeId) ?? 0;
  }
}

export function viewOf(snapshot: ClusterSnapshot, starts: NodeStarts = new NodeStarts()): ClusterView {
  const now = snapshot.takenAtMs;
  const nodes = snapshot.nodes.map((node): NodeView => {
    const restartedAtMs = starts.observe(node, now);
    const state: NodeState = isStale(node, now) ? 'stale' : restartedAtMs > 0 ? 'restarted' : 'up';
    return { ...node, state, silentMs: Math.max(0, now - node.updatedAtMs), restartedAtMs };
  });
  const live = nodes.filter((n) => n.state !== 'stale');
  return {
    takenAtMs: now,
    nodes,
    unreadableNodes: snapshot.unreadableNodes,
    providers: snapshot.providers,
    onlineUsers: snapshot.onlineUsers,
    totals: {
      nodes: live.length,
      staleNodes: nodes.length - live.length,
      connections: live.reduce((sum, n) => sum + n.connections, 0),
      users: live.reduce((sum, n) => sum + n.users, 0),
    },
  };
}
