// CPU time of the processes of a deployment during a phase, per role, next to the whole
// machine's: on a shared two-core machine this tells which part was short of CPU and how much
// of the machine other work took meanwhile.
import { readFileSync } from 'node:fs';
import { childPids } from '../../src/up/process-stopper.js';

export interface RoleProcess {
  role: string;
  pid: number;
  /** Count the CPU of its children too (nginx's workers). */
  withChildren?: boolean;
}

/** CPU cores used on average over the interval, per role, plus 'machine' (everything running). */
export type CoresUsed = Record<string, number>;

const ticksPerSecond = 100;

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function machineTicks(): number {
  const [, ...values] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = values.map(Number);
  return user + nice + system + irq + softirq + steal;
}

function snapshot(processes: readonly RoleProcess[]): Map<string, number> {
  const byRole = new Map<string, number>([['machine', machineTicks()]]);
  for (const p of processes) {
    const pids = p.withChildren ? [p.pid, ...childPids(p.pid)] : [p.pid];
    byRole.set(p.role, (byRole.get(p.role) ?? 0) + pids.reduce((sum, pid) => sum + processTicks(pid), 0));
  }
  return byRole;
}

/** Starts measuring; the returned function gives the cores each role used since. */
export function startCpuMeter(processes: readonly RoleProcess[]): () => CoresUsed {
  const before = snapshot(processes);
  const startMs = Date.now();
  return () => {
    const after = snapshot(processes);
    const seconds = (Date.now() - startMs) / 1000;
    return Object.fromEntries([...after].map(([role, ticks]) => [role, (ticks - (before.get(role) ?? 0)) / ticksPerSecond / seconds]));
  };
}
