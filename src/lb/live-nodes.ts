// Reads the live chat nodes from ZooKeeper: the children of /dchat/nodes and each one's JSON.
// A child that vanishes between the listing and the read is simply gone; one whose data cannot
// be used is left out and reported, so one bad node never empties the upstream.
import type { ZkSession } from '../zk/zk-session.js';
import type { LbError } from './lb-error.js';
import { parseNodeRecord, type NodeRecord } from './node-record.js';

export const nodesPath = '/dchat/nodes';

export interface LiveNodes {
  nodes: NodeRecord[];
  rejected: LbError[];
}

export async function readLiveNodes(session: ZkSession, children: readonly string[]): Promise<LiveNodes> {
  const reads = await Promise.all(children.map(async (child) => ({ child, found: await session.getData(`${nodesPath}/${child}`) })));
  const result: LiveNodes = { nodes: [], rejected: [] };
  for (const { child, found } of reads) {
    if (!found) continue;
    const record = parseNodeRecord(child, found.data);
    if (record.ok) result.nodes.push(record.value);
    else result.rejected.push(record.error);
  }
  return result;
}

export async function listNodeIds(session: ZkSession): Promise<string[]> {
  return (await session.exists(nodesPath)) ? session.getChildren(nodesPath) : [];
}
