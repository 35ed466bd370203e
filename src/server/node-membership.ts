// A cluster node's entry in /dchat/nodes/<node-id>: an ephemeral znode whose JSON data says where
// clients reach the node, where other nodes call it, since when it runs and how loaded it is.
// `dchat lb` keeps nginx's upstream equal to these entries; `dchat console` shows them.
import { errorMessage } from '../base/dchat-error.js';
import { createLogger } from '../base/logger.js';
import type { ZkSession } from '../zk/zk-session.js';

const log = createLogger('server.node-membership');
export const nodesRoot = '/dchat/nodes';

export interface NodeEntry {
  nodeId: string;
  clientAddress: string;
  rpcAddress: string;
  startedAtMs: number;
  weight: number;
  connections: number;
  users: number;
  updatedAtMs: number;
}

export class NodeMembership {
  private timer: NodeJS.Timeout | undefined;
  private readonly path: string;

  constructor(
    private readonly zk: ZkSession,
    private readonly entry: Omit<NodeEntry, 'connections' | 'users' | 'updatedAtMs'>,
    private readonly load: () => { connections: number; users: number },
    private readonly refreshMs = 5000,
  ) {
    this.path = `${nodesRoot}/${entry.nodeId}`;
  }

  async join(): Promise<void> {
    await this.zk.registerEphemeral(this.path, this.encode());
    this.timer = setInterval(() => {
      this.zk.updateEphemeral(this.path, this.encode()).catch((err: unknown) => log.warn('could not refresh %s: %s', this.path, errorMessage(err)));
    }, this.refreshMs);
    this.timer.unref();
  }

  async leave(): Promise<void> {
    clearInterval(this.timer);
    await this.zk.unregisterEphemeral(this.path).catch((err: unknown) => log.warn('could not remove %s: %s', this.path, errorMessage(err)));
  }

  private encode(): Buffer {
    const value: NodeEntry = { ...this.entry, ...this.load(), updatedAtMs: Date.now() };
    return Buffer.from(JSON.stringify(value));
  }
}
