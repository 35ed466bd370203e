// Pushing pending messages again to every user logged in on this node, when the cluster may have
// left some of them unpushed although they are stored and acknowledged:
// - this node's ZooKeeper session expired: for a moment its users had no presence, so other nodes
//   found them nowhere and left their messages pending;
// - another node left /dchat/nodes (it died): it may have acknowledged a message and died before
//   pushing it to the recipient's node;
// - another node came back under its id with a new start time (it died and was restarted, by
//   `dchat up` for instance, before its old session expired: it took its entry over, so the entry
//   may never be seen gone).
// The client shows a message id once (MessageInbox), so a message pushed twice is harmless.
import { createLogger } from '../base/logger.js';
import type { ZkSession } from '../zk/zk-session.js';
import { nodesRoot } from './node-membership.js';
import type { PendingReplay } from './pending-replay.js';
import type { SessionRegistry } from './session-registry.js';

const log = createLogger('server.redelivery');

/** Replays run this many users at a time, so a node with thousands of users does not flood the offline service. */
const replayConcurrency = 32;

export class Redelivery {
  constructor(
    private readonly sessions: SessionRegistry,
    private readonly replay: PendingReplay,
  ) {}

  /** Replays to everyone after each new session of `zk` and each departure of another node. */
  watch(zk: ZkSession, selfNodeId: string): () => void {
    const onState = (event: string): void => {
      if (event === 'new-session') void this.toEveryone('new ZooKeeper session');
    };
    zk.on('state', onState);
    let known: ReadonlySet<string> | undefined;
    const restarts = new Map<string, () => void>();
    const unwatch = zk.watchChildren(nodesRoot, (children) => {
      const now = new Set(children);
      const gone = known ? [...known].filter((id) => id !== selfNodeId && !now.has(id)) : [];
      known = now;
      for (const id of now) if (id !== selfNodeId && !restarts.has(id)) restarts.set(id, this.watchRestarts(zk, id));
      for (const id of gone) {
        restarts.get(id)?.();
        restarts.delete(id);
      }
      if (gone.length > 0) void this.toEveryone(`node(s) ${gone.join(', ')} left the cluster`);
    });
    return () => {
      zk.off('state', onState);
      unwatch();
      for (const stop of restarts.values()) stop();
      restarts.clear();
    };
  }

  /** Replays to everyone when the node's entry shows a start time other than the one seen first. */
  private watchRestarts(zk: ZkSession, nodeId: string): () => void {
    let startedAtMs: number | undefined;
    return zk.watchData(`${nodesRoot}/${nodeId}`, (data) => {
      const now = data ? startedAtOf(data) : undefined;
      if (now === undefined) return;
      if (startedAtMs !== undefined && now !== startedAtMs) void this.toEveryone(`node ${nodeId} restarted`);
      startedAtMs = now;
    });
  }

  /** Replays every user's pending messages; never rejects (PendingReplay logs its failures). */
  async toEveryone(why: string): Promise<void> {
    const sessions = [...this.sessions.sessions()];
    log.info('%s: replaying pending messages to the %d user(s) logged in here', why, sessions.length);
    for (let i = 0; i < sessions.length; i += replayConcurrency) {
      await Promise.all(sessions.slice(i, i + replayConcurrency).map((session) => this.replay.replay(session)));
    }
  }
}

function startedAtOf(data: Buffer): number | undefined {
  try {
    const value = (JSON.parse(data.toString('utf8')) as Record<string, unknown>)['startedAtMs'];
    return typeof value === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}
