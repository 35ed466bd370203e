// Stopping a recorded process by pid: SIGTERM, then SIGKILL after a grace period, but only if
// the pid still runs the program recorded for it (its marker is in /proc/<pid>/cmdline). nginx
// workers are found as the master's children before the master is signalled: a master killed
// hard would leave them serving.
import { readFileSync, readdirSync } from 'node:fs';
import type { RecordedProcess } from './cluster-state.js';

export function isRunning(pid: number, marker: string): boolean {
  if (pid <= 0) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return state !== 'Z' && cmdline.includes(marker);
  } catch {
    return false;
  }
}

export function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

export function signalQuietly(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

async function gone(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (check()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** 'not-running' when the pid is gone (or is another program now); else how it ended. */
export async function stopRecorded(proc: RecordedProcess, graceMs = 10_000): Promise<'not-running' | 'stopped' | 'killed'> {
  if (!isRunning(proc.pid, proc.marker)) return 'not-running';
  const workers = proc.role === 'nginx' ? childPids(proc.pid) : [];
  signalQuietly(proc.pid, 'SIGTERM');
  let outcome: 'stopped' | 'killed' = 'stopped';
  if (!(await gone(() => isRunning(proc.pid, proc.marker), graceMs))) {
    signalQuietly(proc.pid, 'SIGKILL');
    outcome = 'killed';
    await gone(() => isRunning(proc.pid, proc.marker), 5_000);
  }
  for (const worker of workers) if (isRunning(worker, 'nginx')) signalQuietly(worker, 'SIGKILL');
  return outcome;
}
