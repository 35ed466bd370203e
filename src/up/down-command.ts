// `dchat down`: stops the local cluster that `dchat up --cluster` started from a directory,
// by the pids in its state file. The `dchat up` process, if alive, is asked first (it stops the
// rest in order); whatever is still running after that, or was left by a `dchat up` that died,
// is stopped here, nginx first and ZooKeeper last.
import { resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { errorMessage } from '../base/dchat-error.js';
import { defaultClusterDir, readState, removeState, stateFile } from './cluster-state.js';
import { isSupervisorRunning, stillRunning, stopProcesses } from './cluster-stop.js';
import { isRunning } from './process-stopper.js';
import { waitUntil } from './wait-until.js';

interface DownArgs {
  dir: string;
}

const supervisorGraceMs = 60_000;

export const downCommand: CommandModule<object, DownArgs> = {
  command: 'down',
  describe: 'Stop the local cluster that `dchat up --cluster` started, by the pids it recorded',
  builder: (y: Argv) =>
    y
      .option('dir', { type: 'string', default: defaultClusterDir(), describe: 'The cluster directory given to dchat up (env DCHAT_CLUSTER_DIR)' })
      .example('$0 down', 'stop the cluster of ~/.dchat/cluster')
      .example('$0 down --dir /tmp/c1', 'stop the cluster started with `dchat up --cluster 3 --dir /tmp/c1`') as unknown as Argv<DownArgs>,
  handler: async (args: ArgumentsCamelCase<DownArgs>) => {
    process.exitCode = await down(resolve(args.dir));
  },
};

async function down(dir: string): Promise<number> {
  let state;
  try {
    state = readState(dir);
  } catch (err) {
    process.stderr.write(`dchat down: ${errorMessage(err)}\n`);
    return 1;
  }
  if (!state) {
    process.stdout.write(`dchat down: no cluster runs from ${dir} (no ${stateFile(dir)})\n`);
    return 0;
  }
  const write = (line: string): void => void process.stdout.write(`dchat down: ${line}\n`);
  // Told apart before anything is stopped: a process that died earlier (a chat node killed while
  // dchat up was not there to restart it) is listed as such, not counted as stopped.
  const wasRunning = stillRunning(state.processes);
  const hadExited = state.processes.filter((p) => !wasRunning.includes(p));
  for (const proc of hadExited) write(`${proc.name} (pid ${proc.pid}) had exited already`);
  if (isSupervisorRunning(state)) {
    write(`asking dchat up (pid ${state.supervisorPid}) to stop the cluster`);
    process.kill(state.supervisorPid, 'SIGTERM');
    await waitUntil(() => !isRunning(state.supervisorPid, 'dchat'), supervisorGraceMs, `dchat up (pid ${state.supervisorPid}) to exit`).catch(() => {
      write(`dchat up (pid ${state.supervisorPid}) did not exit within ${supervisorGraceMs / 1000} s: stopping its processes here`);
    });
    for (const proc of wasRunning) if (!isRunning(proc.pid, proc.marker)) write(`stopped ${proc.name} (pid ${proc.pid}) by dchat up`);
  }
  const left = stillRunning(state.processes);
  if (left.length > 0) await stopProcesses(left, write);
  const survivors = stillRunning(state.processes);
  if (survivors.length > 0) {
    process.stderr.write(`dchat down: still running: ${survivors.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}; stop them with kill -9\n`);
    return 1;
  }
  removeState(dir);
  const exitedNote = hadExited.length > 0 ? `; ${hadExited.length} had exited already` : '';
  write(`the cluster of ${dir} is stopped (${wasRunning.length} processes stopped${exitedNote}); its data stays there`);
  return 0;
}
