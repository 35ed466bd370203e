// The state file of a local cluster (DIR/cluster.json): which processes `dchat up --cluster`
// started, with their pids and ports, so that `dchat down` can stop them even when `dchat up`
// itself is gone. Each process has a marker, a string of its command line (a path inside
// DIR): a pid that has since been reused by another program is left alone.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DchatError, errorMessage } from '../base/dchat-error.js';

export const defaultClusterDir = (): string => process.env['DCHAT_CLUSTER_DIR'] ?? join(homedir(), '.dchat', 'cluster');

export type ClusterRole = 'zookeeper' | 'mariadb' | 'chat-node' | 'lb' | 'nginx';

export interface RecordedProcess {
  name: string;
  role: ClusterRole;
  pid: number;
  /** The port it serves (client port for ZooKeeper, gateway port for a chat node). */
  port: number | undefined;
  logFile: string;
  marker: string;
}

export interface ClusterState {
  dir: string;
  /** The `dchat up` process that owns the cluster. */
  supervisorPid: number;
  startedAtMs: number;
  /** "127.0.0.1:8000" once nginx serves. */
  entry: string | undefined;
  zk: string | undefined;
  db: string | undefined;
  /** In start order: `dchat down` stops them in reverse. */
  processes: RecordedProcess[];
}

export function stateFile(dir: string): string {
  return join(dir, 'cluster.json');
}

export function writeState(state: ClusterState): void {
  const file = stateFile(state.dir);
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
}

export function removeState(dir: string): void {
  rmSync(stateFile(dir), { force: true });
}

export function readState(dir: string): ClusterState | undefined {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ClusterState>;
    if (typeof parsed.supervisorPid !== 'number' || !Array.isArray(parsed.processes)) throw new Error('supervisorPid or processes is missing');
    return { dir, supervisorPid: parsed.supervisorPid, startedAtMs: parsed.startedAtMs ?? 0, entry: parsed.entry, zk: parsed.zk, db: parsed.db, processes: parsed.processes };
  } catch (err) {
    throw new DchatError('DCHAT_UP_BAD_STATE', `the cluster state ${file} cannot be read (${errorMessage(err)}); stop its processes by hand (see the pids in it) and remove it`);
  }
}
