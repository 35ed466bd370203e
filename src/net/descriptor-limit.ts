// How many connections a process can hold is bounded by its file descriptor limit (Node raises
// the soft limit to the hard one at start-up). A server sized below it keeps descriptors for
// what else it opens (database, ZooKeeper, RPC peers, log files): past the limit accept() fails
// and every legitimate client is refused with the flood.
import { readFileSync } from 'node:fs';

/** Used where the limit cannot be read (no /proc): a common soft limit's worth of connections. */
const FALLBACK_DESCRIPTORS = 1024;
/** Kept back for the process's other descriptors: at least this many, or a tenth of the limit. */
const MIN_RESERVED_DESCRIPTORS = 256;

/** The soft limit on open files of this process, from /proc/self/limits; undefined when unknown or unlimited. */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const match = /^Max open files\s+(\d+)/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The default connection cap of a server: the descriptor limit less a reserve for everything else. */
export function defaultMaxConnections(limit: number = openFileLimit() ?? FALLBACK_DESCRIPTORS): number {
  const reserved = Math.max(MIN_RESERVED_DESCRIPTORS, Math.ceil(limit / 10));
  return Math.max(1, limit - reserved);
}
