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
