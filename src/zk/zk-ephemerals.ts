// The ephemeral znodes a process owns through one ZkSession, with their latest data, so that
// they can be put back in every new session after an expiry. Registering one also settles what
// may be at its path: our own znode (a create whose answer a lost connection swallowed), a
// znode of another session (this process before a restart, its session not yet timed out: it is
// replaced), or a persistent znode, which is someone's data and is left alone. Putting one back
// after an expiry replaces no other session's znode: while this process had no session, another
// took the path (a user who logged in on another node meanwhile), and that claim is newer.
import { isDchatError } from '../base/dchat-error.js';
import { ZkError } from './zk-error.js';
import { parentOf } from './zk-path.js';
import type { ZkStat } from './zk-stat.js';

/** What ZkEphemerals needs of the session (ZkSession's own public methods). */
export interface ZkEphemeralHost {
  sessionId(): string;
  ensurePath(path: string): Promise<void>;
  create(path: string, data: Uint8Array, options: { mode: 'ephemeral' }): Promise<string>;
  exists(path: string): Promise<ZkStat | undefined>;
  setData(path: string, data: Uint8Array): Promise<ZkStat>;
  delete(path: string, options: { version: number }): Promise<void>;
  replaceWithEphemeral(path: string, version: number, data: Uint8Array): Promise<void>;
}

const maxPutAttempts = 5;
/**
 * Znodes put back at once after an expiry. One after another, a node with 500 users took 4 s
 * (two round trips each on a busy machine), and their messages waited for it; ZooKeeper
 * pipelines requests on one connection, so a few dozen in flight cost it nothing.
 */
const restoreConcurrency = 32;

/** Told that, after an expiry, another session had taken the path: it is no longer owned. */
export type TakenCallback = (path: string) => void;

interface Owned {
  data: Buffer;
  onTaken: TakenCallback | undefined;
}

export class ZkEphemerals {
  private readonly owned = new Map<string, Owned>();

  constructor(private readonly host: ZkEphemeralHost) {}

  get size(): number {
    return this.owned.size;
  }

  /**
   * `occupant`: the stat of what the caller has just read at the path. Another session's
   * ephemeral there (a node that died, its session not yet expired) is then replaced in one
   * transaction, without first trying a create that must fail.
   */
  async register(path: string, data: Uint8Array, onTaken?: TakenCallback, occupant?: ZkStat): Promise<void> {
    const entry = { data: Buffer.from(data), onTaken };
    this.owned.set(path, entry);
    if (occupant && occupant.ephemeralOwner !== '0' && occupant.ephemeralOwner !== this.host.sessionId()) {
      try {
        await this.host.replaceWithEphemeral(path, occupant.version, entry.data);
        return;
      } catch (err) {
        // Changed since it was read: settle it the long way.
        if (!isDchatError(err, 'DCHAT_ZK_NO_NODE', 'DCHAT_ZK_BAD_VERSION', 'DCHAT_ZK_NODE_EXISTS')) throw err;
      }
    }
    await this.put(path, entry.data, 'replace');
  }

  async update(path: string, data: Uint8Array): Promise<void> {
    const entry = this.owned.get(path);
    if (!entry) return this.register(path, data);
    const bytes = Buffer.from(data);
    this.owned.set(path, { ...entry, data: bytes });
    try {
      await this.host.setData(path, bytes);
    } catch (err) {
      if (!isDchatError(err, 'DCHAT_ZK_NO_NODE')) throw err;
      await this.put(path, bytes, 'replace');
    }
  }

  /** Gives the path up; true when this session's znode was there and this call removed it. */
  async unregister(path: string): Promise<boolean> {
    this.owned.delete(path);
    const stat = await this.host.exists(path);
    if (!stat || stat.ephemeralOwner !== this.host.sessionId()) return false;
    return this.deleteIfPresent(path, stat.version);
  }

  /**
   * Puts every owned znode back (in a new session). One that another session holds now is given
   * up: its TakenCallback is told, or, without one, it is reported as a failure. Reports each
   * failure and goes on.
   */
  async restoreAll(onFailure: (path: string, err: unknown) => void): Promise<void> {
    const queue = [...this.owned];
    const lane = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) await this.restoreOne(next[0], next[1], onFailure);
    };
    await Promise.all(Array.from({ length: Math.min(restoreConcurrency, queue.length) }, lane));
  }

  private async restoreOne(path: string, entry: Owned, onFailure: (path: string, err: unknown) => void): Promise<void> {
    if (this.owned.get(path) !== entry) return;
    try {
      if (await this.put(path, entry.data, 'keep-others')) return;
      if (this.owned.get(path) !== entry) return;
      this.owned.delete(path);
      if (entry.onTaken) entry.onTaken(path);
      else onFailure(path, new ZkError('DCHAT_ZK_NODE_EXISTS', `put back ephemeral ${path}: another session created it while this one had expired; it is theirs now`));
    } catch (err) {
      onFailure(path, err);
    }
  }

  clear(): void {
    this.owned.clear();
  }

  /**
   * Creates the znode, settling an occupant as `others` says: replace another session's znode,
   * or keep it and answer false.
   */
  private async put(path: string, data: Buffer, others: 'replace' | 'keep-others'): Promise<boolean> {
    // The parent is made only when a create says it is missing: a user's login costs one write.
    let hasEnsuredParent = false;
    for (let attempt = 0; attempt < maxPutAttempts; attempt++) {
      try {
        await this.host.create(path, data, { mode: 'ephemeral' });
        return true;
      } catch (err) {
        if (isDchatError(err, 'DCHAT_ZK_NO_NODE') && !hasEnsuredParent) {
          await this.host.ensurePath(parentOf(path));
          hasEnsuredParent = true;
          attempt--;
          continue;
        }
        if (!isDchatError(err, 'DCHAT_ZK_NODE_EXISTS')) throw err;
      }
      const occupant = await this.settleOccupant(path, data, others);
      if (occupant === 'ours') return true;
      if (occupant === 'theirs') return false;
    }
    throw new ZkError('DCHAT_ZK_NODE_EXISTS', `register ephemeral ${path}: another session keeps re-creating it; is a second process registered under the same name?`);
  }

  /**
   * Deals with the znode found at `path`: 'ours' when it is ours and now holds `data`, 'theirs'
   * when another session's is kept, 'gone' when the path is free to create again.
   */
  private async settleOccupant(path: string, data: Buffer, others: 'replace' | 'keep-others'): Promise<'ours' | 'theirs' | 'gone'> {
    const stat = await this.host.exists(path);
    if (!stat) return 'gone';
    if (stat.ephemeralOwner === this.host.sessionId()) {
      await this.host.setData(path, data);
      return 'ours';
    }
    if (stat.ephemeralOwner === '0') {
      throw new ZkError('DCHAT_ZK_NODE_EXISTS', `register ephemeral ${path}: a persistent znode is in the way; delete it (\`dchat zk delete ${path}\`) or register under another name`);
    }
    if (others === 'keep-others') return 'theirs';
    await this.deleteIfPresent(path, stat.version);
    return 'gone';
  }

  /** Deletes that version of the znode; false when it was gone or changed already. */
  private async deleteIfPresent(path: string, version: number): Promise<boolean> {
    try {
      await this.host.delete(path, { version });
      return true;
    } catch (err) {
      if (!isDchatError(err, 'DCHAT_ZK_NO_NODE', 'DCHAT_ZK_BAD_VERSION')) throw err;
      return false;
    }
  }
}
