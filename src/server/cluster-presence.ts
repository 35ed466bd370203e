// Where each user is logged in, cluster-wide: /dchat/presence/<user-id>, an ephemeral znode
// owned by the ZooKeeper session of the node the user is on, holding that node's id and RPC
// address. A node that dies takes its users' presence with it when its session expires.
import { errorMessage } from '../base/dchat-error.js';
import { createLogger } from '../base/logger.js';
import { ThrottledWarning } from '../base/throttled-warning.js';
import type { ZkSession } from '../zk/zk-session.js';
import type { NodePeers } from './node-peers.js';

const log = createLogger('server.cluster-presence');
export const presenceRoot = '/dchat/presence';

export interface PresenceEntry {
  nodeId: string;
  rpcAddress: string;
}

export function presencePath(userId: number): string {
  return `${presenceRoot}/${userId}`;
}

export class ClusterPresence {
  /** A dead node fails the kick of each of its users: one line per node and window. */
  private readonly kickFailures = new ThrottledWarning(log);
  /**
   * `onClaimTaken` is told when a claim was lost while this node's ZooKeeper session had
   * expired: the user logged in on another node meanwhile, whose claim is newer and stays.
   */
  constructor(
    private readonly zk: ZkSession,
    private readonly self: PresenceEntry,
    private readonly peers: NodePeers,
    private readonly onClaimTaken: (userId: number) => void,
    /** Whether a node is in /dchat/nodes now (undefined: not known yet). */
    private readonly isListed: (nodeId: string) => boolean | undefined = () => undefined,
  ) {}

  /** Where the user is logged in, as ZooKeeper says now; undefined when nowhere. */
  async locate(userId: number): Promise<PresenceEntry | undefined> {
    const found = await this.zk.getData(presencePath(userId));
    if (!found) return undefined;
    return parseEntry(found.data);
  }

  /** Tells `onChange` where the user is now, and again after every change; returns the unwatch. */
  watch(userId: number, onChange: (entry: PresenceEntry | undefined) => void): () => void {
    return this.zk.watchData(presencePath(userId), (data) => onChange(data ? parseEntry(data) : undefined));
  }

  /**
   * Claims the user for this node. A login on another node is ended there first (one login per
   * user, cluster-wide); if that node does not answer, its claim is replaced all the same.
   */
  async claim(userId: number): Promise<void> {
    const found = await this.zk.getData(presencePath(userId));
    const current = found ? parseEntry(found.data) : undefined;
    if (current && current.nodeId !== this.self.nodeId) {
      const kick = this.kickElsewhere(current, userId);
      // A node that has left /dchat/nodes is stopping (it sends all its clients away, and its
      // presence znodes go with its session) or cut off: the user, who came here from it, is not
      // kept waiting for its answer. It is still told, so that a cut-off node ends the session.
      if (this.isListed(current.nodeId) !== false) await kick;
    }
    await this.zk.registerEphemeral(presencePath(userId), Buffer.from(JSON.stringify(this.self)), {
      occupant: found?.stat,
      onTaken: () => {
        log.warn('user %d logged in on another node while this node\'s ZooKeeper session had expired; ending the session here', userId);
        this.onClaimTaken(userId);
      },
    });
  }

  private async kickElsewhere(current: PresenceEntry, userId: number): Promise<void> {
    try {
      await this.peers.stubFor(current.rpcAddress).kick({ userId, reason: `user ${userId} logged in on node ${this.self.nodeId}` });
    } catch (err) {
      this.kickFailures.warn(current.rpcAddress, `could not ask node ${current.nodeId} (${current.rpcAddress}) to end user ${userId}'s session: ${errorMessage(err)}; taking over`);
      this.peers.forget(current.rpcAddress);
    }
  }

  /**
   * Gives the user up, unless another node has claimed them meanwhile (then its claim stays).
   * True when this node's claim was there and is gone now: the user is logged in nowhere.
   */
  async release(userId: number): Promise<boolean> {
    return this.zk.unregisterEphemeral(presencePath(userId));
  }
}

function parseEntry(data: Buffer): PresenceEntry | undefined {
  try {
    const value: unknown = JSON.parse(data.toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { nodeId, rpcAddress } = value as Record<string, unknown>;
    return typeof nodeId === 'string' && typeof rpcAddress === 'string' ? { nodeId, rpcAddress } : undefined;
  } catch {
    return undefined;
  }
}
