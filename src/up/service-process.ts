// A long-running service of a local cluster (java for ZooKeeper, mariadbd, nginx): started
// detached in its own process group with its output in a log file, so that only `dchat up`
// decides when it stops, and a `dchat up` that died leaves it for `dchat down`.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { DchatError } from '../base/dchat-error.js';

export interface ServiceProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Undefined while it runs; its exit code (or signal) once it has exited. */
  exitStatus(): string | undefined;
}

/**
 * Where a service runs: the address it binds, and what its command line is prefixed with to get
 * there (tests run services on other hosts with `ip netns exec NS`). The default is loopback here.
 */
export interface ServicePlacement {
  readonly bindHost: string;
  readonly commandPrefix: readonly string[];
}

export const loopbackPlacement: ServicePlacement = { bindHost: '127.0.0.1', commandPrefix: [] };

export function launchService(name: string, command: string, args: string[], logFile: string, cwd?: string, commandPrefix: readonly string[] = []): ServiceProcess {
  const log = openSync(logFile, 'a');
  const [program, ...prefixArgs] = [...commandPrefix, command];
  const child = spawn(program ?? command, [...prefixArgs, ...args], { stdio: ['ignore', log, log], detached: true, ...(cwd ? { cwd } : {}) });
  closeSync(log);
  if (child.pid === undefined) throw new DchatError('DCHAT_UP_START_FAILED', `could not start ${name} (${command}); see ${logFile}`);
  let status: string | undefined;
  child.once('exit', (code, signal) => (status = code !== null ? `code ${code}` : `signal ${String(signal)}`));
  child.once('error', (err) => (status = err.message));
  return { pid: child.pid, child, exitStatus: () => status };
}

export function logTail(file: string, lines = 10): string {
  if (!existsSync(file)) return `(no ${file})`;
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** For a probe: throws once the service has exited, since it will never get ready. */
export function assertRunning(name: string, service: ServiceProcess, logFile: string): void {
  const status = service.exitStatus();
  if (status !== undefined) {
    throw new DchatError('DCHAT_UP_START_FAILED', `${name} exited (${status}) while starting; its log ${logFile} ends with:\n${logTail(logFile)}`);
  }
}
