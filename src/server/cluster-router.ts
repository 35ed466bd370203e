// Routing in a cluster: users logged in here get the event from this node; for the others the
// node looks up /dchat/presence and pushes to their node over ChatServiceRpc, one call per node.
// Whatever cannot be pushed (a user who is nowhere, a node that died in between) loses nothing:
// a chat message is pending for its recipient until acknowledged, and is replayed at login.
import { errorMessage } from '../base/dchat-error.js';
import { createLogger } from '../base/logger.js';
import type { dchat } from '../gen/proto.js';
import type { ClusterPresence, PresenceEntry } from './cluster-presence.js';
import { pushLocally, type MessageRouter } from './message-router.js';
import type { NodePeers } from './node-peers.js';
import type { SessionRegistry } from './session-registry.js';

const log = createLogger('server.cluster-router');

export class ClusterRouter implements MessageRouter {
  constructor(
    private readonly nodeId: string,
    private readonly sessions: SessionRegistry,
    private readonly presence: ClusterPresence,
    private readonly peers: NodePeers,
  ) {}

  async push(userIds: readonly number[], event: dchat.client.IEvent): Promise<void> {
    try {
      const reached = new Set(pushLocally(this.sessions, userIds, event));
      const elsewhere = userIds.filter((id) => !reached.has(id));
      if (elsewhere.length === 0) return;
      const byNode = await this.groupByNode(elsewhere);
      await Promise.all([...byNode.values()].map(({ entry, userIds: ids }) => this.pushTo(entry, ids, event)));
    } catch (err) {
      log.warn('push to users %s failed: %s; messages stay pending', userIds.join(','), errorMessage(err));
    }
  }

  async isOnline(userId: number): Promise<boolean> {
    if (this.sessions.isOnline(userId)) return true;
    try {
      return (await this.presence.locate(userId)) !== undefined;
    } catch {
      return false;
    }
  }

  private async groupByNode(userIds: readonly number[]): Promise<Map<string, { entry: PresenceEntry; userIds: number[] }>> {
    const located = await Promise.all(userIds.map(async (id) => ({ id, entry: await this.presence.locate(id) })));
    const byNode = new Map<string, { entry: PresenceEntry; userIds: number[] }>();
    for (const { id, entry } of located) {
      // Presence naming this node for a user without a session here is a login being torn down.
      if (!entry || entry.nodeId === this.nodeId) continue;
      const group = byNode.get(entry.rpcAddress) ?? { entry, userIds: [] };
      group.userIds.push(id);
      byNode.set(entry.rpcAddress, group);
    }
    return byNode;
  }

  private async pushTo(entry: PresenceEntry, userIds: number[], event: dchat.client.IEvent): Promise<void> {
    try {
      await this.peers.stubFor(entry.rpcAddress).push({ userIds, event });
    } catch (err) {
      log.warn('push to node %s (%s) for users %s failed: %s', entry.nodeId, entry.rpcAddress, userIds.join(','), errorMessage(err));
      this.peers.forget(entry.rpcAddress);
    }
  }
}
