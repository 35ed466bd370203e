// The errors of dchat's ZooKeeper layer. node-zookeeper-client fails with its own `Exception`
// (a numeric `code`) or with a plain Error; zkErrorFrom turns either into a ZkError that names
// the operation, the path and what to do.
import { DchatError, errorMessage } from '../base/dchat-error.js';

export type ZkErrorCode =
  | 'DCHAT_ZK_UNREACHABLE'
  | 'DCHAT_ZK_NO_NODE'
  | 'DCHAT_ZK_NODE_EXISTS'
  | 'DCHAT_ZK_NOT_EMPTY'
  | 'DCHAT_ZK_BAD_VERSION'
  | 'DCHAT_ZK_BAD_PATH'
  | 'DCHAT_ZK_SESSION_EXPIRED'
  | 'DCHAT_ZK_NO_AUTH'
  | 'DCHAT_ZK_FAILED';

export class ZkError extends DchatError {
  override name = 'ZkError';
  constructor(
    override readonly code: ZkErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** ZooKeeper's own result codes (KeeperException.Code) that dchat tells apart. */
export const zkResultCode = {
  connectionLoss: -4,
  operationTimeout: -7,
  noNode: -101,
  noAuth: -102,
  badVersion: -103,
  noChildrenForEphemerals: -108,
  nodeExists: -110,
  notEmpty: -111,
  sessionExpired: -112,
} as const;

/** The numeric ZooKeeper result code of a node-zookeeper-client failure, if it carries one. */
export function zkCodeOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'number' ? err.code : undefined;
}

/** True for the failures after which the same request may be sent again on a (new) connection. */
export function isRetryable(err: unknown): boolean {
  const code = zkCodeOf(err);
  return code === zkResultCode.connectionLoss || code === zkResultCode.sessionExpired || code === zkResultCode.operationTimeout;
}

/** Translates a failed `op` on `path` into a ZkError with a remedy. */
export function zkErrorFrom(err: unknown, op: string, path: string): ZkError {
  if (err instanceof ZkError) return err;
  const what = `${op} ${path}`;
  const options = { cause: err };
  switch (zkCodeOf(err)) {
    case zkResultCode.noNode:
      return new ZkError('DCHAT_ZK_NO_NODE', `${what}: no such znode (or no parent); \`dchat zk ls\` on the parent shows what exists, create it first or pass parents`, options);
    case zkResultCode.nodeExists:
      return new ZkError('DCHAT_ZK_NODE_EXISTS', `${what}: the znode already exists; set its data instead, or delete it first`, options);
    case zkResultCode.notEmpty:
      return new ZkError('DCHAT_ZK_NOT_EMPTY', `${what}: the znode has children; delete them first, or delete recursively (\`dchat zk delete -r\`)`, options);
    case zkResultCode.badVersion:
      return new ZkError('DCHAT_ZK_BAD_VERSION', `${what}: the znode's version is not the one given; read it again (\`dchat zk get\`) and retry with its current version`, options);
    case zkResultCode.noChildrenForEphemerals:
      return new ZkError('DCHAT_ZK_FAILED', `${what}: the parent is an ephemeral znode, and ephemeral znodes cannot have children; use a persistent parent`, options);
    case zkResultCode.sessionExpired:
      return new ZkError('DCHAT_ZK_SESSION_EXPIRED', `${what}: the ZooKeeper session expired; a new session is being opened, retry`, options);
    case zkResultCode.connectionLoss:
    case zkResultCode.operationTimeout:
      return new ZkError('DCHAT_ZK_UNREACHABLE', `${what}: lost the connection to ZooKeeper; check that the ensemble is up and has a quorum`, options);
    case zkResultCode.noAuth:
      return new ZkError('DCHAT_ZK_NO_AUTH', `${what}: not authorised by the znode's ACL; dchat's znodes need the cluster's credentials (--cluster-secret-file, or \`dchat zk --auth dchat:PASSWORD\`; \`dchat secret zk-auth\` prints them)`, options);
    default:
      return new ZkError('DCHAT_ZK_FAILED', `${what}: ${errorMessage(err)}`, options);
  }
}
