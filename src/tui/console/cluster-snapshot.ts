// What `dchat console` knows of a cluster at one moment, read from ZooKeeper: the chat nodes
// (/dchat/nodes/<node-id>, JSON each node registers and refreshes), the providers of every RPC
// service (/<ServiceName>/<host:port>) and how many users are online (the children of
// /dchat/presence). A node whose data cannot be read is listed with the reason, not dropped:
// the operator should see it. `watchCluster` says when any of these lists changes.
import { errorMessage, isDchatError, type StatusOr } from '../../base/dchat-error.js';
import { presenceRoot } from '../../server/cluster-presence.js';
import { defaultReportIntervalMs, nodesRoot, type NodeEntry } from '../../server/node-membership.js';
import type { ZkSession } from '../../zk/zk-session.js';

// The layout is the one chat nodes write: its names and the shape of a node's entry come from them.
export const nodesPath = nodesRoot;
export const presencePath = presenceRoot;
export const serviceNames = ['UserServiceRpc', 'FriendServiceRpc', 'GroupServiceRpc', 'OfflineServiceRpc', 'ChatServiceRpc'] as const;
export type ServiceName = (typeof serviceNames)[number];

export type NodeSnapshot = NodeEntry;

export interface ClusterSnapshot {
  takenAtMs: number;
  /** Ordered by node id. */
  nodes: NodeSnapshot[];
  /** Nodes whose znode vanished between listing and reading, or holds data that is not a node entry. */
  unreadableNodes: { nodeId: string; reason: string }[];
  /** host:port of each provider, sorted, per service. */
  providers: Record<ServiceName, string[]>;
  onlineUsers: number;
}

const numberFields = ['startedAtMs', 'weight', 'connections', 'users', 'updatedAtMs', 'reportIntervalMs'] as const;
const stringFields = ['clientAddress', 'rpcAddress'] as const;

export function parseNodeEntry(nodeId: string, data: Buffer): StatusOr<NodeSnapshot, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch {
    return { ok: false, error: `its data is not JSON: "${data.toString('utf8').slice(0, 40)}"` };
  }
  if (typeof parsed !== 'object' || parsed === null) return { ok: false, error: 'its data is not a JSON object' };
  const fields = parsed as Record<string, unknown>;
  // Nodes of older versions write no reportIntervalMs: they report at the old fixed interval.
  const entry: NodeSnapshot = { nodeId, clientAddress: '', rpcAddress: '', startedAtMs: 0, weight: 1, connections: 0, users: 0, updatedAtMs: 0, reportIntervalMs: defaultReportIntervalMs };
  for (const name of stringFields) {
    const value = fields[name];
    if (typeof value !== 'string') return { ok: false, error: `${name} is ${JSON.stringify(value)}, not a string` };
    entry[name] = value;
  }
  for (const name of numberFields) {
    const value = fields[name] ?? entry[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) return { ok: false, error: `${name} is ${JSON.stringify(value)}, not a number` };
    entry[name] = value;
  }
  return { ok: true, value: entry };
}

/** The children of `path`, or none when it does not exist (yet): a cluster that has not started a service. */
async function childrenOf(session: ZkSession, path: string): Promise<string[]> {
  try {
    return (await session.getChildren(path)).sort();
  } catch (err) {
    if (isDchatError(err, 'DCHAT_ZK_NO_NODE')) return [];
    throw err;
  }
}

async function readNode(session: ZkSession, nodeId: string): Promise<StatusOr<NodeSnapshot, string>> {
  try {
    const found = await session.getData(`${nodesPath}/${nodeId}`);
    return found ? parseNodeEntry(nodeId, found.data) : { ok: false, error: 'its znode went away while it was read (the node stopped)' };
  } catch (err) {
    return { ok: false, error: errorMessage(err) };
  }
}

export async function readClusterSnapshot(session: ZkSession, nowMs: number = Date.now()): Promise<ClusterSnapshot> {
  const [nodeIds, presence, ...providerLists] = await Promise.all([
    childrenOf(session, nodesPath),
    childrenOf(session, presencePath),
    ...serviceNames.map((name) => childrenOf(session, `/${name}`)),
  ]);
  const entries = await Promise.all((nodeIds ?? []).map(async (nodeId) => ({ nodeId, entry: await readNode(session, nodeId) })));
  const providers = Object.fromEntries(serviceNames.map((name, i) => [name, providerLists[i] ?? []])) as Record<ServiceName, string[]>;
  return {
    takenAtMs: nowMs,
    nodes: entries.flatMap(({ entry }) => (entry.ok ? [entry.value] : [])),
    unreadableNodes: entries.flatMap(({ nodeId, entry }) => (entry.ok ? [] : [{ nodeId, reason: entry.error }])),
    providers,
    onlineUsers: (presence ?? []).length,
  };
}

/**
 * Calls `onChange` whenever nodes come or go, a service gains or loses a provider, or a user
 * logs in or out anywhere (ZooKeeper child watches, re-armed by ZkSession). A node's load
 * figures change without any of these: read them again on a timer. Returns the unsubscribe.
 */
export function watchCluster(session: ZkSession, onChange: () => void): () => void {
  const paths = [nodesPath, presencePath, ...serviceNames.map((name) => `/${name}`)];
  const stops = paths.map((path) => session.watchChildren(path, () => onChange()));
  return () => {
    for (const stop of stops) stop();
  };
}
