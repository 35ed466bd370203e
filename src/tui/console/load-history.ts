// The console's memory of each node's load over time, for its charts: one point per snapshot
// (connections and users), the last `maxPoints` kept. A node that leaves keeps its series until
// it has no point left in the window, so a crash stays visible for a while.
import type { ClusterSnapshot } from './cluster-snapshot.js';

export interface LoadPoint {
  atMs: number;
  connections: number;
  users: number;
}

export class LoadHistory {
  private readonly times: number[] = [];
  /** Per node, one entry per time in `times`: undefined where the node was absent. */
  private readonly series = new Map<string, (LoadPoint | undefined)[]>();

  constructor(private readonly maxPoints = 60) {}

  add(snapshot: ClusterSnapshot): void {
    this.times.push(snapshot.takenAtMs);
    const present = new Map(snapshot.nodes.map((n) => [n.nodeId, n]));
    for (const node of snapshot.nodes) if (!this.series.has(node.nodeId)) this.series.set(node.nodeId, this.times.slice(0, -1).map(() => undefined));
    for (const [nodeId, points] of this.series) {
      const node = present.get(nodeId);
      points.push(node ? { atMs: snapshot.takenAtMs, connections: node.connections, users: node.users } : undefined);
    }
    if (this.times.length > this.maxPoints) this.dropOldest();
  }

  /** When each point was taken, oldest first. */
  timesMs(): number[] {
    return [...this.times];
  }

  nodeIds(): string[] {
    return [...this.series.keys()].sort();
  }

  /** The node's points, undefined where it was absent, aligned with timesMs(). */
  pointsOf(nodeId: string): (LoadPoint | undefined)[] {
    return [...(this.series.get(nodeId) ?? [])];
  }

  private dropOldest(): void {
    this.times.shift();
    for (const [nodeId, points] of this.series) {
      points.shift();
      if (points.every((p) => p === undefined)) this.series.delete(nodeId);
    }
  }
}
