// Stopping a local cluster from its state file, last started first: nginx stops taking
// clients, lb stops rewriting its upstream, the chat nodes close their sessions (their znodes go
// at once), then MariaDB and ZooKeeper. Used by `dchat down` and by `dchat up` itself.
import type { ClusterState, RecordedProcess } from './cluster-state.js';
import { isRunning, stopRecorded } from './process-stopper.js';

export async function stopProcesses(processes: readonly RecordedProcess[], write: (line: string) => void): Promise<void> {
  const stopOrder: RecordedProcess['role'][] = ['nginx', 'lb', 'chat-node', 'mariadb', 'zookeeper'];
  for (const role of stopOrder) {
    const group = processes.filter((p) => p.role === role);
    // The three ZooKeeper servers go together: one alone would wait for a quorum that left.
    await Promise.all(
      group.map(async (proc) => {
        const outcome = await stopRecorded(proc);
        if (outcome !== 'not-running') write(`stopped ${proc.name} (pid ${proc.pid}${outcome === 'killed' ? ', killed after it ignored SIGTERM' : ''})`);
      }),
    );
  }
}

/** The supervisor's marker: `dchat up` as node runs it, `node …/bin/dchat up …`. */
export function isSupervisorRunning(state: ClusterState): boolean {
  return state.supervisorPid !== process.pid && isRunning(state.supervisorPid, 'dchat') && isRunning(state.supervisorPid, ' up');
}

export function stillRunning(processes: readonly RecordedProcess[]): RecordedProcess[] {
  return processes.filter((p) => isRunning(p.pid, p.marker));
}
