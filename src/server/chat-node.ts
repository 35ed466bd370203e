// A chat node: the client gateway, the sessions logged in here, and the RPC backend (services
// reached through stubs). Standalone (no --zk): SQLite and the in-process registry. In a cluster
// (--zk): ZooKeeper for the registry, presence and membership, and ChatServiceRpc to reach users
// on other nodes.
import { createLogger } from '../base/logger.js';
import { ChatService, endMovedSession } from './chat-service.js';
import { ClusterPresence } from './cluster-presence.js';
import { ClusterRouter } from './cluster-router.js';
import { defaultGatewayOptions, Gateway, type GatewayOptions } from './gateway.js';
import { LoginAdmission, type LoginAdmissionOptions } from './login-admission.js';
import { LocalRouter } from './message-router.js';
import { NodeBackend, type NodeBackendOptions } from './node-backend.js';
import { NodeMembership } from './node-membership.js';
import { NodePeers } from './node-peers.js';
import { PendingReplay } from './pending-replay.js';
import { Redelivery } from './redelivery.js';
import type { HandlerContext } from './request-handlers.js';
import { SendRateLimiter, type SendRates } from './send-rate.js';
import { SessionRegistry } from './session-registry.js';

const log = createLogger('server.chat-node');

export interface ChatNodeOptions extends Partial<Omit<GatewayOptions, 'host' | 'port'>>, Omit<NodeBackendOptions, 'rpcHost' | 'rpcPort'> {
  host: string;
  port: number;
  rpcHost?: string;
  rpcPort?: number;
  /** The node's name in /dchat/nodes and /dchat/presence; default host:port of the gateway. */
  nodeId?: string | undefined;
  weight?: number;
  /** How often the node rewrites its /dchat/nodes entry with its load; default defaultReportIntervalMs. */
  reportIntervalMs?: number;
  /** Token buckets on register, login and resume (login-admission.ts); absent: the defaults. */
  admission?: LoginAdmissionOptions;
  /** How fast one user may send; default defaultSendRates. */
  sendRates?: SendRates | undefined;
}

interface Cluster {
  membership: NodeMembership;
  peers: NodePeers;
  router: ClusterRouter;
  unwatchRedelivery: () => void;
}

export class ChatNode {
  readonly sessions = new SessionRegistry();
  private backend: NodeBackend | undefined;
  private gateway: Gateway | undefined;
  private cluster: Cluster | undefined;
  private presence: ClusterPresence | undefined;

  constructor(private readonly options: ChatNodeOptions) {}

  async start(): Promise<{ host: string; port: number; nodeId: string; rpcAddress: string | undefined }> {
    const chatService = this.options.zk ? new ChatService(this.sessions, () => this.presence) : undefined;
    this.backend = await NodeBackend.start({ ...this.options, rpcHost: this.options.rpcHost ?? this.options.host, rpcPort: this.options.rpcPort ?? 0 }, chatService);
    try {
      return await this.startGateway(this.backend);
    } catch (err) {
      await this.backend.stop();
      throw err;
    }
  }

  private async startGateway(backend: NodeBackend): Promise<{ host: string; port: number; nodeId: string; rpcAddress: string | undefined }> {
    const { host, port } = this.options;
    let nodeId = this.options.nodeId ?? `${host}:${port}`;
    const ctx: HandlerContext = {
      services: backend.services,
      sessions: this.sessions,
      router: new LocalRouter(this.sessions),
      replay: new PendingReplay(backend.services.offline),
      presence: { loggedIn: () => Promise.resolve(), loggedOut: () => Promise.resolve() },
      admission: new LoginAdmission(this.options.admission),
      sendRate: new SendRateLimiter(this.options.sendRates),
    };
    this.gateway = new Gateway({ ...defaultGatewayOptions, ...definedOnly(this.options), host, port }, ctx);
    const address = await this.gateway.start();
    const rpcAddress = backend.rpcAddress();
    if (backend.zk && rpcAddress !== undefined) {
      // With --port 0 the node's name is known only now that the gateway listens.
      nodeId = this.options.nodeId ?? `${address.host}:${address.port}`;
      const peers = new NodePeers(this.options.credentials);
      const presence = new ClusterPresence(backend.zk, { nodeId, rpcAddress }, peers, (userId) =>
        endMovedSession(this.sessions, userId, `user ${userId} logged in on another node while this node was cut off from ZooKeeper`),
      );
      this.presence = presence;
      const router = new ClusterRouter(nodeId, this.sessions, presence, peers);
      ctx.router = router;
      ctx.presence = { loggedIn: (session) => presence.claim(session.userId), loggedOut: (userId) => presence.release(userId) };
      const membership = new NodeMembership(
        backend.zk,
        { nodeId, clientAddress: `${address.host}:${address.port}`, rpcAddress, startedAtMs: Date.now(), weight: this.options.weight ?? 1 },
        () => ({ connections: this.gateway?.connectionCount() ?? 0, users: this.sessions.count() }),
        this.options.reportIntervalMs,
      );
      await membership.join();
      const unwatchRedelivery = new Redelivery(this.sessions, ctx.replay).watch(backend.zk, nodeId);
      this.cluster = { membership, peers, router, unwatchRedelivery };
    }
    log.info('chat node %s listening on %s:%d (rpc %s)', nodeId, address.host, address.port, rpcAddress ?? 'none: services in-process');
    return { ...address, nodeId, rpcAddress };
  }

  connectionCount(): number {
    return this.gateway?.connectionCount() ?? 0;
  }

  /** Graceful: leave the cluster, stop accepting, say goodbye to every client, flush, close. */
  async stop(): Promise<void> {
    this.cluster?.unwatchRedelivery();
    this.cluster?.router.close();
    await this.cluster?.membership.leave();
    await this.gateway?.stop();
    await this.cluster?.peers.close();
    await this.backend?.stop();
    log.info('chat node stopped');
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
