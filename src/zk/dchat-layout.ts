import { createLogger } from '../base/logger.js';
import type { ZkSession } from './zk-session.js';

// Where dchat keeps its znodes (DESIGN.md "ZooKeeper layout"). Every znode under these roots is
// created with the cluster's digest ACL (docs/security.md); a process that holds the
// credentials locks any of these roots it finds open (made by an older dchat, or by hand).
export const dchatRoot = '/dchat';
export const nodesRoot = '/dchat/nodes';
export const presenceRoot = '/dchat/presence';
export const ringRoot = '/dchat/ring';

/** The services dchat registers, each under /<ServiceName>. */
export const rpcServiceNames = ['UserServiceRpc', 'FriendServiceRpc', 'GroupServiceRpc', 'OfflineServiceRpc', 'ChatServiceRpc'] as const;

/** The persistent znodes dchat's ephemerals live under. */
export const dchatZnodeRoots: readonly string[] = [dchatRoot, nodesRoot, presenceRoot, ringRoot, ...rpcServiceNames.map((name) => `/${name}`)];

const log = createLogger('zk.layout');

/** Locks dchat's roots to the session's credentials (zk-session.ts lockZnodes), saying what it did. */
export async function lockDchatZnodes(session: ZkSession): Promise<void> {
  const { locked, refused } = await session.lockZnodes(dchatZnodeRoots);
  if (locked.length > 0) log.info("gave %s the cluster's ACL", locked.join(', '));
  if (refused.length > 0) {
    log.error("%s %s locked to other credentials: this process cannot register under them; is it another cluster's ZooKeeper, or an old secret? (zkCli.sh `getAcl PATH` shows the ACL)", refused.join(', '), refused.length === 1 ? 'is' : 'are');
  }
}
