// The business side of a chat node. In a cluster: the provider hosting its business services
// and ChatServiceRpc over TLS keyed from the cluster secret, registered in ZooKeeper, and the
// channel whose stubs the gateway calls. Standalone: the services themselves, called in this
// process, and no RPC port at all (docs/security.md: a standalone node opens only its chat
// port). Either way the gateway sees the same `Services` interface.
import type { UsageLimits } from '../services/limits.js';
import { dchat } from '../gen/proto.js';
import type { ClusterSecret } from '../base/cluster-secret.js';
import { DchatError } from '../base/dchat-error.js';
import type { RpcRegistry } from '../rpc/registry.js';
import { RpcChannel } from '../rpc/rpc-channel.js';
import { RpcProvider } from '../rpc/rpc-provider.js';
import type { ServiceImpl } from '../rpc/service-impl.js';
import { ZkRegistry } from '../rpc/zk-registry.js';
import type { KdfQueueOptions } from '../services/kdf-queue.js';
import { createLocalServices } from '../services/local-services.js';
import type { ResumeTokenOptions } from '../services/resume-token.js';
import type { Services } from '../services/service-api.js';
import { lockDchatZnodes } from '../zk/dchat-layout.js';
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
  /** The cluster's credentials; a cluster node (zk set) does not start without them. */
  credentials?: ClusterSecret | undefined;
  /** The scrypt cost of new password hashes; default the production cost. */
  passwordCost?: ScryptCost | undefined;
  /** The queue in front of the password KDF of the user service hosted here. */
  kdfQueue?: KdfQueueOptions | undefined;
  resumeTokens?: ResumeTokenOptions | undefined;
  /** The per-user limits of the hosted services; default defaultUsageLimits. */
  usage?: UsageLimits | undefined;
}

/** What a cluster node has beyond a standalone one. */
interface ClusterRpc {
  provider: RpcProvider;
  channel: RpcChannel;
  registry: RpcRegistry;
}


export class NodeBackend {
  private constructor(
    readonly services: Services,
    readonly zk: ZkSession | undefined,
    private readonly rpc: ClusterRpc | undefined,
    /** The store, when this node hosts services. */
    readonly repo: ChatRepository | undefined,
  ) {}

  /**
   * Opens storage (if this node hosts services). Standalone: the services are called in this
   * process. In a cluster: connects to ZooKeeper, hosts the services and `chatService`, and makes
   * the stubs. Undoes what it did on failure.
   */
  static async start(options: NodeBackendOptions, chatService?: ServiceImpl<dchat.ChatServiceRpc>): Promise<NodeBackend> {
    const undo: (() => Promise<void>)[] = [];
    try {
      const repo = options.hostedServices.length > 0 ? await openStore({ db: options.db, dataDir: options.dataDir }) : undefined;
      if (repo) undo.push(() => repo.close());
      const local = repo ? createLocalServices(repo, { passwordCost: options.passwordCost, kdfQueue: options.kdfQueue, resumeTokens: options.resumeTokens, usage: options.usage }) : undefined;
      if (!options.zk) {
        if (!local) throw new DchatError('DCHAT_SERVER_NO_SERVICES', 'a standalone node must host its services: drop --services none, or join a cluster with --zk');
        return new NodeBackend(local, undefined, undefined, repo);
      }
      const credentials = options.credentials;
      if (!credentials) throw new DchatError('DCHAT_SECRET_MISSING', 'a cluster node needs the cluster secret');
      const zk = await ZkSession.connect({
        connectString: options.zk,
        digests: credentials.zkDigests(),
        ...(options.zkSessionTimeoutMs ? { sessionTimeoutMs: options.zkSessionTimeoutMs } : {}),
      });
      undo.push(() => zk.close());
      await lockDchatZnodes(zk);
      const registry: RpcRegistry = new ZkRegistry(zk);
      const provider = new RpcProvider({
        host: options.rpcHost,
        port: options.rpcPort,
        advertisedHost: options.advertiseHost,
        registry,
        credentials,
      });
      if (local) for (const key of options.hostedServices) hostService(provider, local, key);
      if (chatService) provider.notifyService(dchat.ChatServiceRpc, chatService);
      await provider.run();
      undo.push(() => provider.stop());
      const channel = new RpcChannel({ registry, credentials, loadBalancer: 'least-outstanding' });
      // A service this node hosts is called in this process: the same code its provider runs,
      // over the same store, without encrypting a call to itself. The others go over RPC.
      const hosted = new Set(local ? options.hostedServices : []);
      const services: Services = {
        user: local && hosted.has('user') ? local.user : channel.stub(dchat.UserServiceRpc),
        friend: local && hosted.has('friend') ? local.friend : channel.stub(dchat.FriendServiceRpc),
        group: local && hosted.has('group') ? local.group : channel.stub(dchat.GroupServiceRpc),
        offline: local && hosted.has('offline') ? local.offline : channel.stub(dchat.OfflineServiceRpc),
      };
      return new NodeBackend(services, zk, { provider, channel, registry }, repo);
    } catch (err) {
      for (const step of undo.reverse()) await step().catch(() => undefined);
      throw err;
    }
  }

  /** "host:port" of this node's RPC port, as registered; undefined standalone (no port). */
  rpcAddress(): string | undefined {
    return this.rpc?.provider.address();
  }

  /** The node is draining: other nodes stop choosing its services; calls on their way are still served. */
  async leaveRegistry(): Promise<void> {
    await this.rpc?.provider.leaveRegistry();
  }

  async stop(): Promise<void> {
    await this.rpc?.provider.stop();
    await this.rpc?.channel.close();
    await this.rpc?.registry.close();
    await this.zk?.close();
    await this.repo?.close();
  }
}
