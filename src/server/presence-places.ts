// The places a node remembers for the users it pushes to (user id → the node they are on), kept
// true by a ZooKeeper watch on each one's /dchat/presence/<id>. When a user logs in on another
// node, the watch moves their place at once, so the next message goes to the new node instead of
// the old one, which may be dead and answer nothing (a kill -9 leaves the old presence entry in
// ZooKeeper until the dead node's session expires, seconds later; the new login replaces it now).
// A user whose presence goes (logged out) is forgotten, watch and all.
import { createLogger } from '../base/logger.js';
import type { PresenceEntry } from './cluster-presence.js';

const log = createLogger('server.presence-places');

/** Beyond this many remembered places all are forgotten at once: a bound, not a working-set policy. */
export const maxRememberedPlaces = 200_000;

export type PresenceWatcher = (userId: number, onChange: (entry: PresenceEntry | undefined) => void) => () => void;

interface Place {
  entry: PresenceEntry;
  unwatch: () => void;
}

export class PresencePlaces {
  private readonly places = new Map<number, Place>();

  constructor(
    private readonly selfNodeId: string,
    private readonly watchPresence: PresenceWatcher,
  ) {}

  get(userId: number): PresenceEntry | undefined {
    return this.places.get(userId)?.entry;
  }

  has(userId: number): boolean {
    return this.places.has(userId);
  }

  remember(userId: number, entry: PresenceEntry): void {
    const known = this.places.get(userId);
    if (known) {
      known.entry = entry;
      return;
    }
    if (this.places.size >= maxRememberedPlaces) this.clear();
    const place: Place = { entry, unwatch: () => undefined };
    this.places.set(userId, place);
    place.unwatch = this.watchPresence(userId, (now) => this.onPresence(userId, place, now));
  }

  forget(userId: number): void {
    const place = this.places.get(userId);
    if (!place) return;
    this.places.delete(userId);
    place.unwatch();
  }

  /** Forgets every user placed on the node at `rpcAddress`. */
  forgetNode(rpcAddress: string): void {
    for (const [id, place] of this.places) if (place.entry.rpcAddress === rpcAddress) this.forget(id);
  }

  clear(): void {
    for (const place of this.places.values()) place.unwatch();
    this.places.clear();
  }

  private onPresence(userId: number, place: Place, now: PresenceEntry | undefined): void {
    if (this.places.get(userId) !== place) return;
    // Gone (a login elsewhere replaces the entry by a delete and a create, so a move may look like
    // this too), or logged in here (this node's sessions are reached without a place): the next
    // message looks the user up afresh.
    if (!now || now.nodeId === this.selfNodeId) {
      log.debug('user %d left node %s; looked up afresh for the next message', userId, place.entry.nodeId);
      this.forget(userId);
      return;
    }
    if (now.rpcAddress === place.entry.rpcAddress) return;
    log.debug('user %d moved from node %s to node %s', userId, place.entry.nodeId, now.nodeId);
    place.entry = now;
  }
}
