// How much of the machine a chaos run had: every second, the CPU time of the run's processes
// (the deployment's, whatever their pids after restarts, and the run's own, which holds every
// client) next to the whole machine's. On a shared two-core machine the other work's share
// explains latencies that the deployment alone would not have.
import { readFileSync } from 'node:fs';

const ticksPerSecond = 100;
const sampleMs = 1_000;

export interface CpuShare {
  /** Cores busy on average over the whole machine, of which this run's processes, and the rest. */
  machineCores: number;
  runCores: number;
  otherCores: number;
}

function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // utime and stime are the 12th and 13th fields after the parenthesised command name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

function machineTicks(): number {
  const [, ...values] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = values.map(Number);
  return user + nice + system + irq + softirq + steal;
}

/** Samples until stopped; `pids` names the run's processes at each sample. */
export function startCpuShare(pids: () => number[]): () => CpuShare {
  const seen = new Map<number, number>();
  let runTicks = 0;
  const firstMachine = machineTicks();
  const startMs = Date.now();
  const sample = (): void => {
    for (const pid of [process.pid, ...pids()]) {
      const ticks = processTicks(pid);
      if (ticks === undefined) continue;
      // A pid first seen mid-run (a restarted node) counts from its start: all its ticks are the run's.
      runTicks += ticks - (seen.get(pid) ?? (pid === process.pid ? ticks : 0));
      seen.set(pid, ticks);
    }
  };
  sample();
  runTicks = 0;
  const timer = setInterval(sample, sampleMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    sample();
    const seconds = (Date.now() - startMs) / 1000;
    const machineCores = (machineTicks() - firstMachine) / ticksPerSecond / seconds;
    const runCores = runTicks / ticksPerSecond / seconds;
    return { machineCores, runCores, otherCores: Math.max(0, machineCores - runCores) };
  };
}
