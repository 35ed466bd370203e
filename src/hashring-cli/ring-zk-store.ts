// The ring in ZooKeeper, shared by every operator: one persistent znode per server,
// /dchat/ring/<host:port>, whose data is its number of virtual nodes in decimal. Adding and
// removing touch one znode each, so two operators never undo each other's change.
//
// Server order decides ties between equal points. ZooKeeper keeps no order among children, so
// the ring orders them by creation time, then name: from-nginx creates them one after another in
// config order. Two servers created within the same millisecond fall back to name order, which
// matters only if they also share a point (about one ring in thirty at 100 servers, and then
// for one arc of the ~16,000).
import type { StatusOr } from '../base/dchat-error.js';
import { isDchatError } from '../base/dchat-error.js';
import type { RingServer } from '../hashring/hash-ring.js';
import { HashRingError } from '../hashring/hashring-error.js';
import { parseServerName } from '../hashring/server-address.js';
import type { ZkDigest } from '../base/cluster-secret.js';
import { ZkSession } from '../zk/zk-session.js';
import { RingCliError } from './ring-cli-error.js';
import type { RingStore } from './ring-store.js';

export const RING_ZNODE = '/dchat/ring';

export class RingZkStore implements RingStore {
  readonly description: string;

  private constructor(private readonly session: ZkSession) {
    this.description = `ZooKeeper ${session.connectString} ${RING_ZNODE}`;
  }

  static async open(connectString: string, digests: readonly ZkDigest[]): Promise<RingZkStore> {
    return new RingZkStore(await ZkSession.connect({ connectString, digests }));
  }

  async load(): Promise<RingServer[]> {
    const names = await this.children();
    const entries = await Promise.all(names.map((name) => this.readServer(name)));
    return entries
      .filter((e) => e !== undefined)
      .sort((a, b) => a.ctimeMs - b.ctimeMs || (a.server.name < b.server.name ? -1 : 1))
      .map((e) => e.server);
  }

  async addServer(server: RingServer): Promise<StatusOr<void, HashRingError>> {
    await this.session.ensurePath(RING_ZNODE);
    try {
      await this.session.create(pathOf(server.name), Buffer.from(String(server.points)));
      return { ok: true, value: undefined };
    } catch (err) {
      if (!isDchatError(err, 'DCHAT_ZK_NODE_EXISTS')) throw err;
      return { ok: false, error: new HashRingError('DCHAT_RING_DUPLICATE_SERVER', `server ${server.name} is already on the ring in ${this.description}: \`del\` it first to change its points`) };
    }
  }

  async removeServer(name: string): Promise<StatusOr<void, HashRingError>> {
    try {
      await this.session.delete(pathOf(name));
      return { ok: true, value: undefined };
    } catch (err) {
      if (!isDchatError(err, 'DCHAT_ZK_NO_NODE')) throw err;
      return { ok: false, error: new HashRingError('DCHAT_RING_UNKNOWN_SERVER', `server ${name} is not on the ring in ${this.description}: \`getVirNum\` lists its servers`) };
    }
  }

  /** Deletes every server, then creates the new ones in order, so creation times keep that order. */
  async replaceAll(servers: readonly RingServer[]): Promise<void> {
    for (const name of await this.children()) {
      try {
        await this.session.delete(pathOf(name));
      } catch (err) {
        if (!isDchatError(err, 'DCHAT_ZK_NO_NODE')) throw err;
      }
    }
    await this.session.ensurePath(RING_ZNODE);
    for (const server of servers) await this.session.create(pathOf(server.name), Buffer.from(String(server.points)));
  }

  async close(): Promise<void> {
    await this.session.close();
  }

  private async children(): Promise<string[]> {
    try {
      return await this.session.getChildren(RING_ZNODE);
    } catch (err) {
      if (isDchatError(err, 'DCHAT_ZK_NO_NODE')) return [];
      throw err;
    }
  }

  /** A server znode; undefined if it went away since the listing. */
  private async readServer(name: string): Promise<{ server: RingServer; ctimeMs: number } | undefined> {
    const node = await this.session.getData(pathOf(name));
    if (node === undefined) return undefined;
    const text = node.data.toString('utf8').trim();
    const points = /^[0-9]{1,9}$/.test(text) ? Number(text) : 0;
    const address = parseServerName(name);
    if (!address.ok || points < 1) {
      throw new RingCliError('DCHAT_RING_BAD_STATE', `znode ${pathOf(name)} is not a ring server (name HOST:PORT, data a virtual-node count >= 1, saw "${text}"): fix or delete it with \`dchat zk\``);
    }
    return { server: { name, points }, ctimeMs: node.stat.ctimeMs };
  }
}

function pathOf(name: string): string {
  return `${RING_ZNODE}/${name}`;
}
