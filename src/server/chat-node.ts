// A chat node: the client gateway, the sessions logged in here, and the RPC backend (services
// reached through stubs). Standalone (no --zk): SQLite and the in-process registry. In a cluster
// (--zk): ZooKeeper for the registry, presence and membership, and ChatServiceRpc to reach users
// on other nodes.
import { probeReason } from '../base/ops-endpoint.js';
import { errorMessage } from '../base/dchat-error.js';
import { createLogger, setLogNodeId } from '../base/logger.js';
import { isZkConnected, watchZkSession } from '../base/zk-session-metrics.js';
import { publishBacklog } from '../store/store-metrics.js';
import { publishNodeGauges } from './chat-metrics.js';
import { ChatService, endMovedSession } from './chat-service.js';
import { ClusterPresence } from './cluster-presence.js';
import { ClusterRouter } from './cluster-router.js';
import { defaultGatewayOptions, Gateway, type GatewayOptions } from './gateway.js';
import { LoginAdmission, type LoginAdmissionOptions } from './login-admission.js';
import { LoginGate, type LoginGateOptions } from './login-gate.js';
import { LocalRouter } from './message-router.js';
import { NodeBackend, type NodeBackendOptions } from './node-backend.js';
import { NodeMembership, nodesRoot } from './node-membership.js';
import { NodePeers } from './node-peers.js';
import { PendingReplay } from './pending-replay.js';
import { Redelivery } from './redelivery.js';
import { announceLogout, endLoginOf, type HandlerContext } from './request-handlers.js';
import { SendRateLimiter, type SendRates } from './send-rate.js';
import { SessionRegistry } from './session-registry.js';
import type { ZkSession } from '../zk/zk-session.js';

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
  /** Logins worked on at once, and how long the others wait (login-gate.ts); absent: the defaults. */
  loginGate?: LoginGateOptions;
  /** How fast one user may send; default defaultSendRates. */
  sendRates?: SendRates | undefined;
}

/**
 * How long a client sent away by the drain has to log in on another node before its login is
 * ended here: as long as a resume may wait its turn at a busy node's gate (--resume-max-wait-ms'
 * default), so that a user on their way back is not told "offline" to their friends meanwhile.
 */
const comebackGraceMs = 5_000;
/** How often, meanwhile, the node looks whether they are back elsewhere. */
const comebackCheckMs = 500;
/** Logins left behind ended at once, and the most time spent on them after the grace. */
const leftBehindConcurrency = 32;
const leftBehindBudgetMs = 5_000;

interface Cluster {
  membership: NodeMembership;
  peers: NodePeers;
  router: ClusterRouter;
  unwatchRedelivery: () => void;
  unwatchListed: () => void;
}

export class ChatNode {
  readonly sessions = new SessionRegistry();
  private backend: NodeBackend | undefined;
  private gateway: Gateway | undefined;
  private cluster: Cluster | undefined;
  private presence: ClusterPresence | undefined;
  private isDraining = false;
  private nodeId = '';
  private ctx: HandlerContext | undefined;

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
    let nodeId: string;
    const ctx: HandlerContext = {
      services: backend.services,
      sessions: this.sessions,
      router: new LocalRouter(this.sessions),
      replay: new PendingReplay(backend.services.offline),
      presence: { loggedIn: () => Promise.resolve(), loggedOut: () => Promise.resolve() },
      admission: new LoginAdmission(this.options.admission),
      loginGate: new LoginGate(this.options.loginGate),
      sendRate: new SendRateLimiter(this.options.sendRates),
    };
    this.gateway = new Gateway({ ...defaultGatewayOptions, ...definedOnly(this.options), host, port }, ctx);
    const address = await this.gateway.start();
    const gateway = this.gateway;
    publishNodeGauges({ loggedIn: () => this.sessions.count(), anonymous: () => gateway.stats().anonymous });
    if (backend.repo) publishBacklog(backend.repo);
    if (backend.zk) watchZkSession(backend.zk);
    const rpcAddress = backend.rpcAddress();
    // With --port 0 the node's name is known only now that the gateway listens.
    nodeId = this.options.nodeId ?? `${address.host}:${address.port}`;
    this.nodeId = nodeId;
    this.ctx = ctx;
    if (backend.zk && rpcAddress !== undefined) {
      const peers = new NodePeers(this.options.credentials);
      let listed: ReadonlySet<string> | undefined;
      const zk: ZkSession = backend.zk;
      const unwatchListed = zk.watchChildren(nodesRoot, (children) => {
        const joined = listed ? children.filter((id) => !listed?.has(id)) : [];
        listed = new Set(children);
        for (const id of joined) void forgetPeerOf(zk, peers, id);
      });
      const presence = new ClusterPresence(
        backend.zk,
        { nodeId, rpcAddress },
        peers,
        (userId) => endMovedSession(this.sessions, userId, `user ${userId} logged in on another node while this node was cut off from ZooKeeper`),
        (id) => listed?.has(id),
      );
      this.presence = presence;
      const router = new ClusterRouter(nodeId, this.sessions, presence, peers);
      ctx.router = router;
      ctx.presence = {
        loggedIn: (session) => presence.claim(session.userId),
        loggedOut: async (userId) => void (await presence.release(userId)),
        unavailable: () => (zk.hasConnection() ? undefined : `node ${nodeId} has lost its connection to ZooKeeper and cannot log anyone in now; connect again (another node may answer) or try here in a moment`),
      };
      const membership = new NodeMembership(
        backend.zk,
        { nodeId, clientAddress: `${address.host}:${address.port}`, rpcAddress, startedAtMs: Date.now(), weight: this.options.weight ?? 1 },
        () => ({ connections: this.gateway?.connectionCount() ?? 0, users: this.sessions.count() }),
        this.options.reportIntervalMs,
      );
      await membership.join();
      const unwatchRedelivery = new Redelivery(this.sessions, ctx.replay).watch(backend.zk, nodeId);
      this.cluster = { membership, peers, router, unwatchRedelivery, unwatchListed };
    }
    setLogNodeId(nodeId);
    log.info('chat node %s listening on %s:%d (rpc %s)', nodeId, address.host, address.port, rpcAddress ?? 'none: services in-process');
    return { ...address, nodeId, rpcAddress };
  }

  /**
   * Why the node should not be given clients now (empty: ready): it is stopping, its ZooKeeper
   * session is down (it is not listed in /dchat/nodes), or its store does not answer.
   */
  async readiness(): Promise<string[]> {
    const reasons: string[] = [];
    if (this.isDraining) reasons.push('draining: the node is shutting down');
    if (!this.gateway) reasons.push('starting: the client gateway does not listen yet');
    if (this.backend?.zk && !isZkConnected()) reasons.push('not registered: the ZooKeeper session is disconnected or expired');
    else if (this.cluster?.membership.wasTaken()) reasons.push('not registered: another node took this node\'s id in /dchat/nodes');
    const repo = this.backend?.repo;
    const storeReason = repo ? await probeReason('store', () => repo.ping()) : undefined;
    if (storeReason) reasons.push(storeReason);
    return reasons;
  }

  connectionCount(): number {
    return this.gateway?.connectionCount() ?? 0;
  }

  /** How long stop() may take with the clients of now (its paced drain most of all). */
  stopBudgetMs(): number {
    return (this.gateway?.stopBudgetMs() ?? 0) + comebackGraceMs + leftBehindBudgetMs;
  }

  /** endLoginsLeftBehind, given up after budgetMs (ZooKeeper or the store gone too, as when a whole cluster stops). */
  private async endLoginsLeftBehindWithin(budgetMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const outOfTime = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`not done within ${budgetMs} ms`), budgetMs)));
    const ended = this.endLoginsLeftBehind().then(() => undefined, (err: unknown) => errorMessage(err));
    const problem = await Promise.race([ended, outOfTime]);
    clearTimeout(timer);
    if (problem) log.warn('ending the logins of the users who did not come back: %s; their presence goes with this node\'s ZooKeeper session', problem);
  }

  /**
   * The drain hands logins over rather than ending them, so that friends see no offline/online
   * flap for a user back on another node a moment later. A user whose client did not come back
   * (closed, or without a network) would stay online for their friends: once the last client
   * sent away has had comebackGraceMs, the logins that no other node took over are ended as a
   * logout ends them (presence given up, the user offline, friends told).
   */
  private async endLoginsLeftBehind(): Promise<void> {
    const ctx = this.ctx;
    const handedOver = this.gateway?.handedOver();
    if (!ctx || !handedOver || handedOver.userIds.length === 0) return;
    const presence = this.presence;
    let leftBehind = handedOver.userIds;
    if (presence) {
      // Those whose presence still names this node, looked at again until the grace is over:
      // when every client is back elsewhere, the node stops without waiting it out.
      const self = this.nodeId;
      const graceEndsMs = handedOver.lastAtMs + comebackGraceMs;
      for (;;) {
        const places = await Promise.all(leftBehind.map(async (id) => ({ id, entry: await presence.locate(id).catch(() => undefined) })));
        leftBehind = places.filter((p) => p.entry?.nodeId === self).map((p) => p.id);
        const waitMs = Math.min(comebackCheckMs, graceEndsMs - Date.now());
        if (leftBehind.length === 0 || waitMs <= 0) break;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
    if (leftBehind.length === 0) return;
    // In a cluster, only a presence this node still held when it gave it up makes the user
    // offline: a user who logs in elsewhere between the look and the release keeps their login.
    const end = async (id: number): Promise<boolean> => {
      if (!presence) return endLoginOf(ctx, id).then(() => true);
      if (!(await presence.release(id))) return false;
      await announceLogout(ctx, id);
      return true;
    };
    let ended = 0;
    for (let i = 0; i < leftBehind.length; i += leftBehindConcurrency) {
      ended += (await Promise.all(leftBehind.slice(i, i + leftBehindConcurrency).map(end))).filter(Boolean).length;
    }
    log.info('%d user(s) sent away did not log in again elsewhere: logged out, their friends told', ended);
  }

  /**
   * Graceful: leave the cluster, stop accepting, say goodbye to every client, flush, close.
   * Leaving comes first and is two things at once: /dchat/nodes (`dchat lb` takes the node out of
   * nginx's upstream, so reconnecting clients land elsewhere) and the service registry (other
   * nodes stop sending this node the logins of the very clients it is about to send away, which
   * it would answer slowly while draining, or not at all once it exits).
   */
  async stop(): Promise<void> {
    this.isDraining = true;
    this.cluster?.unwatchRedelivery();
    this.cluster?.unwatchListed();
    this.cluster?.router.close();
    await Promise.all([this.cluster?.membership.leave(), this.backend?.leaveRegistry()]);
    await this.gateway?.stop();
    await this.endLoginsLeftBehindWithin(comebackGraceMs + leftBehindBudgetMs);
    await this.cluster?.peers.close();
    await this.backend?.stop();
    log.info('chat node stopped');
  }
}

/**
 * A node that joins /dchat/nodes may be one restarted at the address of one that left (a rolling
 * restart): the channel to that address still holds the old process's failure ("left out until
 * it answers again"), which would fail the first pushes to the users now logging in on the new
 * process, after their login had replayed what was pending. The next push opens a fresh channel.
 * The old one is retired, not closed: the node may also be the same process listed again after
 * its ZooKeeper session expired, and closing would fail the pushes it is answering, whose users
 * are still placed there and would wait for their next login.
 */
async function forgetPeerOf(zk: ZkSession, peers: NodePeers, nodeId: string): Promise<void> {
  const found = await zk.getData(`${nodesRoot}/${nodeId}`).catch(() => undefined);
  if (!found) return;
  try {
    const rpcAddress = (JSON.parse(found.data.toString('utf8')) as Record<string, unknown>)['rpcAddress'];
    if (typeof rpcAddress === 'string') peers.retire(rpcAddress);
  } catch {
    // Not a node entry dchat wrote: nothing to forget.
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
