// The RPC side of a chat node: the provider hosting its business services (and, in a cluster,
// ChatServiceRpc), and the channel whose stubs the gateway calls. A standalone node uses the
// in-process registry and a cluster node ZooKeeper, through the same code path: the gateway
// always calls stubs, and the calls always cross dchat RPC, even to the same process.
import { dchat } from '../gen/proto.js';
import { InProcessRegistry } from '../rpc/in-process-registry.js';
import type { RpcRegistry } from '../rpc/registry.js';
import { RpcChannel } from '../rpc/rpc-channel.js';
import { RpcProvider } from '../rpc/rpc-provider.js';
import type { ServiceImpl } from '../rpc/service-impl.js';
import { ZkRegistry } from '../rpc/zk-registry.js';
import type { KdfQueueOptions } from '../services/kdf-queue.js';
import { createLocalServices } from '../services/local-services.js';
import type { ResumeTokenOptions } from '../services/resume-token.js';
import type { Services } from '../services/service-api.js';
import type { ScryptCost } from '../store/password-hash.js';
import { openStore } from '../store/open-store.js';
import type { ChatRepository } from '../store/repository.js';
import { ZkSession } from '../zk/zk-session.js';
import { hostService, type ServiceKey } from './service-hosting.js';

export interface NodeBackendOptions {
  zk?: string | undefined;
  zkSessionTimeoutMs?: number;
  db?: string | undefined;
  dataDir: string;
  rpcHost: string;
  rpcPort: number;
  /** Host written to the registry when it differs from rpcHost. */
  advertiseHost?: string | undefined;
  hostedServices: readonly ServiceKey[];
  clusterSecret?: string | undefined;
  /** The scrypt cost of new password hashes; default the production cost. */
  passwordCost?: ScryptCost | undefined;
  /** The queue in front of the password KDF of the user service hosted here. */
  kdfQueue?: KdfQueueOptions | undefined;
  resumeTokens?: ResumeTokenOptions | undefined;
}

export class NodeBackend {
  private constructor(
    readonly services: Services,
    readonly provider: RpcProvider,
    readonly channel: RpcChannel,
    readonly zk: ZkSession | undefined,
    private readonly registry: RpcRegistry,
    private readonly repo: ChatRepository | undefined,
  ) {}

  /**
   * Opens storage (if this node hosts services), connects to ZooKeeper (with --zk), hosts the
   * services and `chatService` (in a cluster), and makes the stubs. Undoes what it did on failure.
   */
  static async start(options: NodeBackendOptions, chatService?: ServiceImpl<dchat.ChatServiceRpc>): Promise<NodeBackend> {
    const undo: (() => Promise<void>)[] = [];
    try {
      const repo = options.hostedServices.length > 0 ? await openStore({ db: options.db, dataDir: options.dataDir }) : undefined;
      if (repo) undo.push(() => repo.close());
      const zk = options.zk ? await ZkSession.connect({ connectString: options.zk, ...(options.zkSessionTimeoutMs ? { sessionTimeoutMs: options.zkSessionTimeoutMs } : {}) }) : undefined;
      if (zk) undo.push(() => zk.close());
      const registry: RpcRegistry = zk ? new ZkRegistry(zk) : new InProcessRegistry();
      const provider = new RpcProvider({
        host: options.rpcHost,
        port: options.rpcPort,
        advertisedHost: options.advertiseHost,
        registry,
        clusterSecret: options.clusterSecret,
      });
      if (repo) {
        const local = createLocalServices(repo, { passwordCost: options.passwordCost, kdfQueue: options.kdfQueue, resumeTokens: options.resumeTokens });
        for (const key of options.hostedServices) hostService(provider, local, key);
      }
      if (chatService) provider.notifyService(dchat.ChatServiceRpc, chatService);
      await provider.run();
      undo.push(() => provider.stop());
      const channel = new RpcChannel({ registry, clusterSecret: options.clusterSecret, loadBalancer: 'least-outstanding' });
      const services: Services = {
        user: channel.stub(dchat.UserServiceRpc),
        friend: channel.stub(dchat.FriendServiceRpc),
        group: channel.stub(dchat.GroupServiceRpc),
        offline: channel.stub(dchat.OfflineServiceRpc),
      };
      return new NodeBackend(services, provider, channel, zk, registry, repo);
    } catch (err) {
      for (const step of undo.reverse()) await step().catch(() => undefined);
      throw err;
    }
  }

  /** "host:port" of this node's RPC port, as registered. */
  rpcAddress(): string {
    return this.provider.address();
  }

  async stop(): Promise<void> {
    await this.provider.stop();
    await this.channel.close();
    await this.registry.close();
    await this.zk?.close();
    await this.repo?.close();
  }
}
