// A dchat part started by `dchat up`: a child process whose output goes to a log file, ready
// when a line of its output matches, stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { DchatError } from '../base/dchat-error.js';

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
}

export async function startChild(spec: ChildSpec): Promise<StartedChild> {
  const log = openSync(spec.logFile, 'a');
  const child = spawn(spec.command, spec.args, { stdio: ['ignore', 'pipe', log], env: { ...process.env, ...spec.env } });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let seen = '';
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(failure(spec, `did not get ready within ${spec.readyTimeoutMs} ms`)), spec.readyTimeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const found = spec.ready.exec(seen);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(failure(spec, `exited with code ${String(code)} before it was ready`));
    });
  }).catch(async (err: unknown) => {
    child.kill('SIGKILL');
    await exited;
    throw err;
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

function failure(spec: ChildSpec, what: string): DchatError {
  let tail = '';
  try {
    tail = readFileSync(spec.logFile, 'utf8').split('\n').slice(-8).join('\n');
  } catch {
    // no log yet
  }
  return new DchatError('DCHAT_UP_START_FAILED', `${spec.name} ${what}; its log ${spec.logFile} ends with:\n${tail}`);
}
