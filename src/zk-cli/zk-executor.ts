// Runs one `dchat zk` operation on a ZkSession. ZooKeeper's failures come back as values with
// their ZkError code and a message that names the command that fixes them.
import { isDchatError, type DchatError, type StatusOr } from '../base/dchat-error.js';
import { ZkError } from '../zk/zk-error.js';
import { parentOf } from '../zk/zk-path.js';
import type { ZkAclEntry, ZkSession, ZkStat } from '../zk/zk-session.js';
import type { ZkOperation } from './zk-operation.js';

export type ZkAnswer =
  | { kind: 'ls'; path: string; children: string[]; stat: ZkStat | undefined }
  | { kind: 'tree'; path: string; paths: string[] }
  | { kind: 'get'; path: string; data: Buffer; stat: ZkStat }
  | { kind: 'stat'; path: string; stat: ZkStat }
  | { kind: 'acl'; path: string; entries: ZkAclEntry[] }
  | { kind: 'created'; path: string; isEphemeral: boolean }
  | { kind: 'set'; path: string; stat: ZkStat }
  | { kind: 'deleted'; path: string; isRecursive: boolean }
  | { kind: 'help' }
  | { kind: 'quit' };

type CommandOperation = Exclude<ZkOperation, { kind: 'help' } | { kind: 'quit' }>;

export async function executeZkOperation(op: ZkOperation, session: ZkSession): Promise<StatusOr<ZkAnswer>> {
  if (op.kind === 'help' || op.kind === 'quit') return { ok: true, value: op };
  try {
    return { ok: true, value: await run(op, session) };
  } catch (err) {
    if (!isDchatError(err)) throw err;
    return { ok: false, error: await explain(err, op, session) };
  }
}

async function run(op: CommandOperation, session: ZkSession): Promise<ZkAnswer> {
  switch (op.kind) {
    case 'ls': {
      if (op.isRecursive) return { kind: 'tree', path: op.path, paths: await treeOf(session, op.path) };
      const children = await session.getChildren(op.path);
      return { kind: 'ls', path: op.path, children, stat: op.withStat ? await statOf(session, op.path) : undefined };
    }
    case 'stat':
      return { kind: 'stat', path: op.path, stat: await statOf(session, op.path) };
    case 'getAcl':
      return { kind: 'acl', path: op.path, entries: await session.getAcl(op.path) };
    case 'get': {
      const read = await session.getData(op.path);
      if (!read) throw new ZkError('DCHAT_ZK_NO_NODE', `get ${op.path}: no such znode`);
      return { kind: 'get', path: op.path, data: read.data, stat: read.stat };
    }
    case 'create': {
      const mode = `${op.isEphemeral ? 'ephemeral' : 'persistent'}${op.isSequential ? '_sequential' : ''}` as const;
      const path = await session.create(op.path, Buffer.from(op.data), { mode, parents: op.withParents });
      return { kind: 'created', path, isEphemeral: op.isEphemeral };
    }
    case 'set':
      return { kind: 'set', path: op.path, stat: await session.setData(op.path, Buffer.from(op.data), op.version ?? -1) };
    case 'delete':
      await session.delete(op.path, { recursive: op.isRecursive, version: op.version ?? -1 });
      return { kind: 'deleted', path: op.path, isRecursive: op.isRecursive };
    default: {
      const unknown: never = op;
      throw new Error(`unknown operation ${JSON.stringify(unknown)}`);
    }
  }
}

async function statOf(session: ZkSession, path: string): Promise<ZkStat> {
  const stat = await session.exists(path);
  if (!stat) throw new ZkError('DCHAT_ZK_NO_NODE', `stat ${path}: no such znode`);
  return stat;
}

/** `path` and every path under it, breadth first (parents before children), as zkCli's `ls -R` lists them. */
async function treeOf(session: ZkSession, path: string): Promise<string[]> {
  const paths = [path];
  for (let i = 0; i < paths.length; i++) {
    const parent = paths[i] as string;
    const children = await session.getChildren(parent).catch((err: unknown) => {
      // A znode deleted while the tree is walked has no children any more.
      if (isDchatError(err, 'DCHAT_ZK_NO_NODE') && i > 0) return [];
      throw err;
    });
    for (const child of children.sort()) paths.push(parent === '/' ? `/${child}` : `${parent}/${child}`);
  }
  return paths;
}

/** Rewords a ZooKeeper failure in the terms of the shell: what went wrong and the command that helps. */
async function explain(err: DchatError, op: CommandOperation, session: ZkSession): Promise<DchatError> {
  const path = op.path;
  const parent = parentOf(path);
  const zkError = (message: string): ZkError => new ZkError(err.code as ZkError['code'], message, { cause: err });
  switch (err.code) {
    case 'DCHAT_ZK_NO_NODE':
      if (op.kind === 'create') return zkError(`cannot create ${path}: its parent ${parent} does not exist; create it first, or add -p`);
      return zkError(`no such znode: ${path}; \`ls ${parent}\` shows what is there`);
    case 'DCHAT_ZK_NOT_EMPTY': {
      const children = await session.getChildren(path).catch(() => []);
      const listed = `${children.slice(0, 5).join(', ')}${children.length > 5 ? ', …' : ''}`;
      const count = children.length === 1 ? '1 child' : `${children.length} children`;
      return zkError(`znode ${path} is not empty (${count}: ${listed}); delete them first, or \`delete -r ${path}\``);
    }
    case 'DCHAT_ZK_NODE_EXISTS':
      return zkError(`znode ${path} already exists; \`set ${path} DATA\` changes its data`);
    case 'DCHAT_ZK_BAD_VERSION': {
      const stat = await session.exists(path).catch(() => undefined);
      const given = op.kind === 'set' || op.kind === 'delete' ? op.version : undefined;
      return zkError(`znode ${path} is at version ${stat?.version ?? '?'}, not ${given ?? '?'}; \`get ${path}\` shows it, or leave out the version`);
    }
    default:
      return err;
  }
}
