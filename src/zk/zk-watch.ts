// A live view of one znode's children or data. ZooKeeper watches fire once and die with their
// session, so a ZkWatch reads and re-arms after every event, after a lost connection, and (when
// ZkSession calls arm() on a new session) after an expiry. A missing znode is reported as empty
// and watched for creation through `exists`.
import zookeeper from 'node-zookeeper-client';
import { createLogger } from '../base/logger.js';
import { isRetryable, zkCodeOf, zkErrorFrom, zkResultCode } from './zk-error.js';

const log = createLogger('zk.watch');

export interface ZkWatchHost {
  /** The client of the live session once it is connected; undefined once the session is closed. */
  connectedClient(): Promise<zookeeper.Client | undefined>;
}

export type ZkWatchTarget =
  | { kind: 'children'; onChange: (children: string[]) => void }
  | { kind: 'data'; onChange: (data: Buffer | undefined) => void };

type ReadResult = { kind: 'value'; key: string; deliver: () => void } | { kind: 'again' } | { kind: 'stop' };

export class ZkWatch {
  private generation = 0;
  private isActive = true;
  /** Identifies the value delivered last, so that a re-arm that reads the same value stays quiet. */
  private deliveredKey: string | undefined;
  // One function for the life of the watch: the client library keeps a watcher function once per
  // path, so re-arming with the same function never stacks duplicate notifications.
  private readonly onEvent = (): void => this.arm();

  constructor(
    private readonly host: ZkWatchHost,
    readonly path: string,
    private readonly target: ZkWatchTarget,
  ) {}

  /** Reads the current value, delivers it if it changed, and leaves a watch for the next change. */
  arm(): void {
    if (!this.isActive) return;
    const generation = ++this.generation;
    void this.read().then((result) => {
      if (!this.isActive || generation !== this.generation) return;
      switch (result.kind) {
        case 'value':
          if (result.key !== this.deliveredKey) {
            this.deliveredKey = result.key;
            result.deliver();
          }
          return;
        case 'again':
          setImmediate(() => this.arm());
          return;
        case 'stop':
          return;
        default: {
          const unreachable: never = result;
          throw new Error(`unknown read result ${String(unreachable)}`);
        }
      }
    });
  }

  stop(): void {
    this.isActive = false;
  }

  private async read(): Promise<ReadResult> {
    const client = await this.host.connectedClient();
    if (!client) return { kind: 'stop' };
    try {
      return this.target.kind === 'children' ? await this.readChildren(client) : await this.readData(client);
    } catch (err) {
      if (isRetryable(err)) return { kind: 'again' };
      // Left for the next new session to re-arm: another attempt now would fail the same way.
      log.warn('watch on %s stopped until the next session: %s', this.path, zkErrorFrom(err, 'watch', this.path).message);
      return { kind: 'stop' };
    }
  }

  private readChildren(client: zookeeper.Client): Promise<ReadResult> {
    const { target } = this;
    if (target.kind !== 'children') throw new Error('readChildren on a data watch');
    return new Promise((resolve, reject) => {
      client.getChildren(this.path, this.onEvent, (error, children) => {
        if (zkCodeOf(error) === zkResultCode.noNode) {
          resolve(this.watchCreation(client, () => target.onChange([]), '[]'));
        } else if (error) {
          reject(error);
        } else {
          const sorted = [...children].sort();
          resolve({ kind: 'value', key: JSON.stringify(sorted), deliver: () => target.onChange(sorted) });
        }
      });
    });
  }

  private readData(client: zookeeper.Client): Promise<ReadResult> {
    const { target } = this;
    if (target.kind !== 'data') throw new Error('readData on a children watch');
    return new Promise((resolve, reject) => {
      client.getData(this.path, this.onEvent, (error, data) => {
        if (zkCodeOf(error) === zkResultCode.noNode) {
          resolve(this.watchCreation(client, () => target.onChange(undefined), 'none'));
        } else if (error) {
          reject(error);
        } else {
          const bytes = data ?? Buffer.alloc(0);
          resolve({ kind: 'value', key: `data:${bytes.toString('base64')}`, deliver: () => target.onChange(bytes) });
        }
      });
    });
  }

  /** Watches a missing znode for its creation; if it appeared meanwhile, reads again. */
  private watchCreation(client: zookeeper.Client, deliverMissing: () => void, key: string): Promise<ReadResult> {
    return new Promise((resolve, reject) => {
      client.exists(this.path, this.onEvent, (error, stat) => {
        if (error) reject(error);
        else if (stat) resolve({ kind: 'again' });
        else resolve({ kind: 'value', key, deliver: deliverMissing });
      });
    });
  }
}
