// Routing in a cluster: users logged in here get the event from this node; for the others the
// node finds their node and pushes there over ChatServiceRpc, one call per node.
// Whatever cannot be pushed (a user who is nowhere, a node that died in between) loses nothing:
// a chat message is pending for its recipient until acknowledged, and is replayed at login.
//
// Where a user is comes from /dchat/presence in ZooKeeper, remembered after the first look-up
// so that a conversation does not pay a ZooKeeper round trip per message, and kept up to date by
// a watch (presence-places.ts). A remembered place can still be stale for a moment (the user
// moved or left); the called node then answers that it did not deliver (it pushes only to its own
// sessions, so a stale place never shows anything twice), and the user is looked up afresh and
// pushed to once more. A node that does not answer at all (it died) makes the router read the
// presence of its users again at once: they may have logged in elsewhere already, seconds before
// the dead node's ZooKeeper session expires.
import { errorMessage } from '../base/dchat-error.js';
import { createLogger } from '../base/logger.js';
import { ThrottledWarning } from '../base/throttled-warning.js';
import type { dchat } from '../gen/proto.js';
import type { ClusterPresence, PresenceEntry } from './cluster-presence.js';
import { pushLocally, type MessageRouter } from './message-router.js';
import type { NodePeers } from './node-peers.js';
import { PresencePlaces } from './presence-places.js';
import type { SessionRegistry } from './session-registry.js';

const log = createLogger('server.cluster-router');

interface NodeBatch {
  entry: PresenceEntry;
  userIds: number[];
}

export class ClusterRouter implements MessageRouter {
  private readonly places: PresencePlaces;
  /** A dead node fails the pushes to each of its users: one line per node and window. */
  private readonly pushFailures = new ThrottledWarning(log);

  constructor(
    private readonly nodeId: string,
    private readonly sessions: SessionRegistry,
    private readonly presence: ClusterPresence,
    private readonly peers: NodePeers,
  ) {
    this.places = new PresencePlaces(nodeId, (userId, onChange) => presence.watch(userId, onChange));
  }

  /** Stops the presence watches. */
  close(): void {
    this.places.clear();
  }

  async push(userIds: readonly number[], event: dchat.client.IEvent): Promise<void> {
    try {
      const reached = new Set(pushLocally(this.sessions, userIds, event));
      const elsewhere = userIds.filter((id) => !reached.has(id));
      if (elsewhere.length === 0) return;
      const remembered = elsewhere.filter((id) => this.places.has(id));
      const unknown = elsewhere.filter((id) => !this.places.has(id));
      const [missed] = await Promise.all([this.pushToNodes(this.batchByPlace(remembered), event), this.pushAfresh(unknown, event)]);
      await this.pushAfresh(missed, event);
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

  /** Looks the users up in ZooKeeper, remembers where they are, and pushes there. */
  private async pushAfresh(userIds: readonly number[], event: dchat.client.IEvent): Promise<void> {
    if (userIds.length === 0) return;
    const located = await Promise.all(userIds.map(async (id) => ({ id, entry: await this.presence.locate(id) })));
    const found: number[] = [];
    for (const { id, entry } of located) {
      // Presence naming this node for a user without a session here is a login being torn down.
      if (!entry || entry.nodeId === this.nodeId) {
        this.places.forget(id);
        continue;
      }
      this.places.remember(id, entry);
      found.push(id);
    }
    await this.pushToNodes(this.batchByPlace(found), event);
  }

  private batchByPlace(userIds: readonly number[]): NodeBatch[] {
    const byNode = new Map<string, NodeBatch>();
    for (const id of userIds) {
      const entry = this.places.get(id);
      if (!entry) continue;
      const batch = byNode.get(entry.rpcAddress) ?? { entry, userIds: [] };
      batch.userIds.push(id);
      byNode.set(entry.rpcAddress, batch);
    }
    return [...byNode.values()];
  }

  /** Returns the users whose node answered that they are not there (their place was stale). */
  private async pushToNodes(batches: readonly NodeBatch[], event: dchat.client.IEvent): Promise<number[]> {
    const missed = await Promise.all(batches.map((batch) => this.pushTo(batch, event)));
    return missed.flat();
  }

  private async pushTo({ entry, userIds }: NodeBatch, event: dchat.client.IEvent, isFollowUp = false): Promise<number[]> {
    try {
      const response = await this.peers.stubFor(entry.rpcAddress).push({ userIds, event });
      const delivered = new Set(response.deliveredIds ?? []);
      const missed = userIds.filter((id) => !delivered.has(id));
      for (const id of missed) this.places.forget(id);
      return missed;
    } catch (err) {
      this.pushFailures.warn(entry.rpcAddress, `push to node ${entry.nodeId} (${entry.rpcAddress}) for users ${userIds.join(',')} failed: ${errorMessage(err)}; following their presence`);
      this.forgetNode(entry.rpcAddress);
      if (!isFollowUp) await this.followPresence(entry, userIds, event);
      return [];
    }
  }

  /**
   * After a failed push: a user whose node died usually logs in on another node long before the
   * dead node's ZooKeeper session expires, so their presence is read again at once, and those who
   * are now on another node are pushed to there (once: no chase from node to node). Whether the
   * failed node delivered is unknown, but the client shows a message id once, so a second push is
   * harmless. Users still placed on the failed node stay pending: their next login replays it.
   */
  private async followPresence(failed: PresenceEntry, userIds: readonly number[], event: dchat.client.IEvent): Promise<void> {
    const located = await Promise.all(userIds.map(async (id) => ({ id, entry: await this.presence.locate(id) })));
    const byNode = new Map<string, NodeBatch>();
    for (const { id, entry } of located) {
      if (!entry || entry.nodeId === this.nodeId || entry.rpcAddress === failed.rpcAddress) continue;
      const batch = byNode.get(entry.rpcAddress) ?? { entry, userIds: [] };
      batch.userIds.push(id);
      byNode.set(entry.rpcAddress, batch);
    }
    if (byNode.size === 0) return;
    log.info('users %s moved from node %s; pushing to their new node(s)', [...byNode.values()].flatMap((b) => b.userIds).join(','), failed.nodeId);
    const missed = await Promise.all([...byNode.values()].map((batch) => this.pushTo(batch, event, true)));
    // "Not here" from the new node: the user left or moved on again; the message stays pending.
    for (const id of missed.flat()) this.places.forget(id);
  }

  /** Every remembered place on a node that failed a push is suspect: its users are looked up afresh. */
  private forgetNode(rpcAddress: string): void {
    this.places.forgetNode(rpcAddress);
    this.peers.forget(rpcAddress);
  }
}
