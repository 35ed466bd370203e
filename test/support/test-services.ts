// What the test supports of ZooKeeper, MariaDB, nginx (and dchat processes) add to the services of src/up: a test
// fails at once when a Debian package is missing, every server it starts is killed by a process
// 'exit' hook if the test crashed before stopping it, and stopping waits for the exit itself.
import type { ChildProcess } from 'node:child_process';
import { DchatError } from '../../src/base/dchat-error.js';
import { signalQuietly } from '../../src/up/process-stopper.js';
import type { ServiceProcess } from '../../src/up/service-process.js';
import { missingPackages, notInstalledMessage } from '../../src/up/system-packages.js';

const livePids = new Set<number>();
process.on('exit', () => {
  for (const pid of livePids) signalQuietly(pid, 'SIGKILL');
});
// A signal ends the process without 'exit' hooks; exiting from it runs them (the runner's timeout
// and Ctrl-C must not leave servers behind: they run in process groups of their own).
for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => process.exit(status));
}

/** Throws "<package> is not installed: run `bash scripts/install-system-deps.sh` …" for any missing. */
export function assertInstalled(packages: readonly string[]): void {
  const missing = missingPackages(packages);
  if (missing.length > 0) throw new DchatError('DCHAT_UP_MISSING_PACKAGES', notInstalledMessage(missing));
}

/** Kills a child process (a `dchat` the test started) when the test process exits, unless it is gone by then. */
export function killChildOnExit(child: ChildProcess): ChildProcess {
  const pid = child.pid;
  if (pid === undefined) return child;
  livePids.add(pid);
  child.once('exit', () => livePids.delete(pid));
  return child;
}

/** Kills the service when the test process exits, unless it is gone by then. */
export function killOnExit(service: ServiceProcess): ServiceProcess {
  livePids.add(service.pid);
  service.child.once('exit', () => livePids.delete(service.pid));
  return service;
}

function hasExited(service: ServiceProcess): boolean {
  return service.child.exitCode !== null || service.child.signalCode !== null;
}

/** Sends `signal`, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopService(service: ServiceProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (hasExited(service)) return;
  const exited = new Promise<void>((resolve) => service.child.once('exit', () => resolve()));
  // A paused (SIGSTOP) process would not act on SIGTERM until continued.
  service.child.kill('SIGCONT');
  service.child.kill(signal);
  const timer = setTimeout(() => service.child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
