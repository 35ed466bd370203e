// ZooKeeper paths and connection strings: the checks ZooKeeper applies, done before a request
// so that a bad path is a ZkError rather than an assertion thrown from inside the client library.
import { ZkError } from './zk-error.js';

/** A ZkError when `path` is not an absolute ZooKeeper path, else undefined. */
export function badPathError(path: string): ZkError | undefined {
  const reason = pathProblem(path);
  if (reason === undefined) return undefined;
  return new ZkError('DCHAT_ZK_BAD_PATH', `bad znode path ${JSON.stringify(path)}: ${reason} (a path looks like /UserServiceRpc/127.0.0.1:7000)`);
}

function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'it must start with /';
  if (path === '/') return undefined;
  if (path.endsWith('/')) return 'it must not end with /';
  if (path.includes('//')) return 'it has an empty name between two slashes';
  if (path.split('/').some((name) => name === '.' || name === '..')) return 'it has a relative name (. or ..)';
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'it has a control character';
  return undefined;
}

/** The parent of an absolute path; '/' for a top-level znode and for '/' itself. */
export function parentOf(path: string): string {
  const index = path.lastIndexOf('/');
  return index <= 0 ? '/' : path.slice(0, index);
}

/** Joins a parent path and a child name. */
export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** Splits "h:p,h:p/chroot" into its server list and its chroot ('' when none). */
export function splitConnectString(connectString: string): { hosts: string; servers: string[]; chroot: string } {
  const slash = connectString.indexOf('/');
  const hosts = slash === -1 ? connectString : connectString.slice(0, slash);
  const chroot = slash === -1 || slash === connectString.length - 1 ? '' : connectString.slice(slash);
  const servers = hosts.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return { hosts: servers.join(','), servers, chroot };
}
