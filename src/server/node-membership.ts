// A cluster node's entry in /dchat/nodes/<node-id>: an ephemeral znode whose JSON data says where
// clients reach the node, where other nodes call it, since when it runs and how loaded it is.
// `dchat lb` keeps nginx's upstream equal to these entries; `dchat console` shows them.
import { connect } from 'node:net';
import { DchatError, errorMessage } from '../base/dchat-error.js';
import { createLogger } from '../base/logger.js';
import { parseHostPort } from '../rpc/host-port.js';
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
  /** How often the node rewrites its entry; a reader that sees no update for two of these knows it stopped reporting. */
  reportIntervalMs: number;
}

export const defaultReportIntervalMs = 5000;

/** How long join() waits for the node already holding this node's id to answer a connection. */
const holderProbeMs = 1_000;

export class NodeMembership {
  private timer: NodeJS.Timeout | undefined;
  private readonly path: string;
  private isTaken = false;

  constructor(
    private readonly zk: ZkSession,
    private readonly entry: Omit<NodeEntry, 'connections' | 'users' | 'updatedAtMs' | 'reportIntervalMs'>,
    private readonly load: () => { connections: number; users: number },
    private readonly refreshMs = defaultReportIntervalMs,
  ) {
    this.path = `${nodesRoot}/${entry.nodeId}`;
  }

  /**
   * Registers the node. Its id may be held already: by this node before a restart (same client
   * address, or an address nothing answers on any more), whose entry is replaced; or by another
   * node that is up, which is refused: two nodes under one id would take the entry from each other.
   */
  async join(): Promise<void> {
    const holder = await this.liveHolder();
    if (holder) {
      throw new DchatError('DCHAT_SERVER_NODE_ID_TAKEN', `node id "${this.entry.nodeId}" is taken: ${this.path} belongs to the node at ${holder}, which is up; give this node another --node-id`);
    }
    await this.zk.registerEphemeral(this.path, this.encode(), {
      onTaken: () => {
        this.isTaken = true;
        clearInterval(this.timer);
        log.error('%s was taken by another node while this node\'s ZooKeeper session had expired; this node is no longer listed (restart it with another --node-id)', this.path);
      },
    });
    this.timer = setInterval(() => {
      this.zk.updateEphemeral(this.path, this.encode()).catch((err: unknown) => log.warn('could not refresh %s: %s', this.path, errorMessage(err)));
    }, this.refreshMs);
    this.timer.unref();
  }

  /** Whether another node took this node's id while its session had expired: it is not listed. */
  wasTaken(): boolean {
    return this.isTaken;
  }

  async leave(): Promise<void> {
    clearInterval(this.timer);
    await this.zk.unregisterEphemeral(this.path).catch((err: unknown) => log.warn('could not remove %s: %s', this.path, errorMessage(err)));
  }

  /** The client address of another node that holds this node's id and answers there, if any. */
  private async liveHolder(): Promise<string | undefined> {
    const held = await this.zk.getData(this.path);
    if (!held || held.stat.ephemeralOwner === '0') return undefined;
    let address: unknown;
    try {
      address = (JSON.parse(held.data.toString('utf8')) as Record<string, unknown>)['clientAddress'];
    } catch {
      return undefined;
    }
    if (typeof address !== 'string' || address === this.entry.clientAddress) return undefined;
    return (await answers(address)) ? address : undefined;
  }

  private encode(): Buffer {
    const value: NodeEntry = { ...this.entry, ...this.load(), updatedAtMs: Date.now(), reportIntervalMs: this.refreshMs };
    return Buffer.from(JSON.stringify(value));
  }
}

/** Whether something accepts a TCP connection at host:port within holderProbeMs. */
function answers(address: string): Promise<boolean> {
  const parsed = parseHostPort(address);
  if (!parsed.ok) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = connect({ host: parsed.value.host, port: parsed.value.port });
    const done = (isUp: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(isUp);
    };
    const timer = setTimeout(() => done(false), holderProbeMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
