// A dchat part started by `dchat up`: a child process whose output goes to a log file, ready
// when a line of that log matches, stopped by pid. The child writes to the file, not to a pipe
// of ours: a detached child then outlives a `dchat up` that was killed (until `dchat down`
// stops it) instead of dying on its next write to a closed pipe.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { DchatError, isDchatError } from '../base/dchat-error.js';
import { waitUntil } from './wait-until.js';

export interface StartedChild {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly match: RegExpExecArray;
  stop(graceMs?: number): Promise<void>;
}

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  ready: RegExp;
  readyTimeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** In its own process group: a Ctrl-C in the terminal reaches only `dchat up`, which stops it in order. */
  detached?: boolean;
  /** Added to the timeout error: what to check when the ready line never comes. */
  hint?: string;
  /** Called with the pid as soon as the process exists, before it is ready (to record it). */
  onSpawn?: (pid: number) => void;
}

export async function startChild(spec: ChildSpec): Promise<StartedChild> {
  const startOffset = fileSize(spec.logFile);
  const log = openSync(spec.logFile, 'a');
  const child = spawn(spec.command, spec.args, { stdio: ['ignore', log, log], env: { ...process.env, ...spec.env }, detached: spec.detached ?? false });
  closeSync(log);
  if (child.pid !== undefined) spec.onSpawn?.(child.pid);
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const match = await waitUntil(
    () => {
      const found = spec.ready.exec(readFrom(spec.logFile, startOffset));
      if (found) return found;
      if (exitCode !== undefined) throw failure(spec, startOffset, `exited with code ${String(exitCode)} before it was ready`);
      return undefined;
    },
    spec.readyTimeoutMs,
    `${spec.name} to print ${String(spec.ready)}`,
  ).catch(async (err: unknown) => {
    if (exitCode === undefined) child.kill('SIGKILL');
    await exited;
    throw isDchatError(err, 'DCHAT_UP_START_FAILED') ? err : failure(spec, startOffset, `did not get ready within ${spec.readyTimeoutMs} ms${spec.hint ? ` (${spec.hint})` : ''}`);
  });
  const stop = async (graceMs = 10_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(force);
  };
  return { name: spec.name, pid: child.pid ?? 0, child, logFile: spec.logFile, match, stop };
}

/** A log file's size now (0 while it does not exist): where the lines of what comes next start. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** A log file's text from `offset` on ('' while it does not exist). */
export function readFrom(path: string, offset: number): string {
  try {
    return readFileSync(path).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

function failure(spec: ChildSpec, offset: number, what: string): DchatError {
  const tail = readFrom(spec.logFile, offset).split('\n').slice(-8).join('\n');
  return new DchatError('DCHAT_UP_START_FAILED', `${spec.name} ${what}; its log ${spec.logFile} ends with:\n${tail}`);
}
