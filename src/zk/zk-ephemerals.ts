// The ephemeral znodes a process owns through one ZkSession, with their latest data, so that
// they can be put back in every new session after an expiry. Putting one back also settles what
// may be at its path: our own znode (a create whose answer a lost connection swallowed), a
// znode of another session (this process before a restart, its session not yet timed out), or
// a persistent znode, which is someone's data and is left alone.
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
}

const maxPutAttempts = 5;

export class ZkEphemerals {
  private readonly owned = new Map<string, Buffer>();

  constructor(private readonly host: ZkEphemeralHost) {}

  get size(): number {
    return this.owned.size;
  }

  async register(path: string, data: Uint8Array): Promise<void> {
    const bytes = Buffer.from(data);
    this.owned.set(path, bytes);
    await this.put(path, bytes);
  }

  async update(path: string, data: Uint8Array): Promise<void> {
    if (!this.owned.has(path)) return this.register(path, data);
    const bytes = Buffer.from(data);
    this.owned.set(path, bytes);
    try {
      await this.host.setData(path, bytes);
    } catch (err) {
      if (!isDchatError(err, 'DCHAT_ZK_NO_NODE')) throw err;
      await this.put(path, bytes);
    }
  }

  async unregister(path: string): Promise<void> {
    this.owned.delete(path);
    const stat = await this.host.exists(path);
    if (stat && stat.ephemeralOwner === this.host.sessionId()) await this.deleteIfPresent(path, stat.version);
  }

  /** Puts every owned znode back (in a new session); reports each failure and goes on. */
  async restoreAll(onFailure: (path: string, err: unknown) => void): Promise<void> {
    for (const [path, data] of [...this.owned]) {
      if (this.owned.get(path) !== data) continue;
      try {
        await this.put(path, data);
      } catch (err) {
        onFailure(path, err);
      }
    }
  }

  clear(): void {
    this.owned.clear();
  }

  private async put(path: string, data: Buffer): Promise<void> {
    await this.host.ensurePath(parentOf(path));
    for (let attempt = 0; attempt < maxPutAttempts; attempt++) {
      try {
        await this.host.create(path, data, { mode: 'ephemeral' });
        return;
      } catch (err) {
        if (!isDchatError(err, 'DCHAT_ZK_NODE_EXISTS')) throw err;
      }
      if (await this.settleOccupant(path, data)) return;
    }
    throw new ZkError('DCHAT_ZK_NODE_EXISTS', `register ephemeral ${path}: another session keeps re-creating it; is a second process registered under the same name?`);
  }

  /** Deals with the znode found at `path`: true when it is ours and now holds `data`. */
  private async settleOccupant(path: string, data: Buffer): Promise<boolean> {
    const stat = await this.host.exists(path);
    if (!stat) return false;
    if (stat.ephemeralOwner === this.host.sessionId()) {
      await this.host.setData(path, data);
      return true;
    }
    if (stat.ephemeralOwner === '0') {
      throw new ZkError('DCHAT_ZK_NODE_EXISTS', `register ephemeral ${path}: a persistent znode is in the way; delete it (\`dchat zk delete ${path}\`) or register under another name`);
    }
    await this.deleteIfPresent(path, stat.version);
    return false;
  }

  private async deleteIfPresent(path: string, version: number): Promise<void> {
    try {
      await this.host.delete(path, { version });
    } catch (err) {
      if (!isDchatError(err, 'DCHAT_ZK_NO_NODE', 'DCHAT_ZK_BAD_VERSION')) throw err;
    }
  }
}
