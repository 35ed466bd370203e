// Supervision of what `dchat up --cluster` started. A child that exits while the cluster runs is
// reported at once on dchat up's console: its name, pid, exit status and the last lines of its
// log. A chat node is then started again, on its port and data directory, after a delay that
// doubles with each restart in a row (1 s, 2 s, 4 s … up to the maximum) so that a node that
// dies at once on every start does not spin; a node that ran longer than the maximum delay
// starts the next series from the first delay again. Its record in cluster.json gets the new
// pid the moment the process exists, so `dchat down` always stops the running one.
// ZooKeeper, MariaDB, nginx and dchat lb are reported and not restarted: each keeps state (a
// quorum, a data directory, an upstream) that a blind restart could make worse than the report.
import type { ChildProcess } from 'node:child_process';
import { errorMessage } from '../base/dchat-error.js';
import type { StartedChild } from './child-process.js';
import type { RecordedProcess } from './cluster-state.js';
import { logTail } from './service-process.js';

export interface RestartTimings {
  /** Delay before the first restart of a series; doubled for each further one. */
  restartBackoffMs: number;
  /** Cap of the delay; also how long a node must run for its next death to start a new series. */
  restartBackoffMaxMs: number;
}

export const defaultRestartTimings: RestartTimings = { restartBackoffMs: 1_000, restartBackoffMaxMs: 30_000 };

/** Lines of a dead child's log shown in its report: enough for a stack trace's head. */
const reportedLogLines = 12;

export interface SupervisedChild {
  /** The child's entry in cluster.json; a restart sets its pid (through `restart`'s onSpawn). */
  readonly record: RecordedProcess;
  readonly child: ChildProcess;
  /** Starts the process again and resolves once it is ready; absent: reported, not restarted. */
  readonly restart?: () => Promise<StartedChild>;
}

interface Series {
  restarts: number;
  startedAtMs: number;
}

export class Supervisor {
  private isStopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly series = new Map<RecordedProcess, Series>();
  private totalRestarts = 0;

  constructor(
    private readonly clusterDir: string,
    private readonly write: (line: string) => void,
    private readonly timings: RestartTimings = defaultRestartTimings,
  ) {}

  watch(supervised: SupervisedChild): void {
    if (!this.series.has(supervised.record)) this.series.set(supervised.record, { restarts: 0, startedAtMs: Date.now() });
    supervised.child.once('exit', (code, signal) => this.onExit(supervised, code, signal));
  }

  /** The cluster is being stopped: its children's exits are expected, and nothing starts again. */
  stop(): void {
    this.isStopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private onExit(supervised: SupervisedChild, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.isStopped) return;
    const { record } = supervised;
    const status = signal ? `signal ${signal}` : `code ${String(code)}`;
    const tail = logTail(record.logFile, reportedLogLines).split('\n').map((line) => `    | ${line}`).join('\n');
    this.write(`${record.name} (pid ${supervised.child.pid ?? record.pid}) exited (${status}); the last lines of its log ${record.logFile}:\n${tail}`);
    if (!supervised.restart) {
      this.write(`${record.name} is not restarted by dchat up: stop the cluster with \`dchat down --dir ${this.clusterDir}\` and bring it up again`);
      return;
    }
    this.scheduleRestart(supervised);
  }

  private scheduleRestart(supervised: SupervisedChild): void {
    const series = this.series.get(supervised.record) ?? { restarts: 0, startedAtMs: Date.now() };
    // A node that ran long enough was healthy: its death starts a new series of delays.
    if (Date.now() - series.startedAtMs >= this.timings.restartBackoffMaxMs) series.restarts = 0;
    const delayMs = Math.min(this.timings.restartBackoffMs * 2 ** series.restarts, this.timings.restartBackoffMaxMs);
    series.restarts += 1;
    this.series.set(supervised.record, series);
    this.write(`restarting ${supervised.record.name} in ${(delayMs / 1000).toFixed(1)} s (restart ${series.restarts} in a row)`);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.restart(supervised, series);
    }, delayMs);
    this.timers.add(timer);
  }

  private async restart(supervised: SupervisedChild, series: Series): Promise<void> {
    if (this.isStopped || !supervised.restart) return;
    const { record } = supervised;
    series.startedAtMs = Date.now();
    try {
      const started = await supervised.restart();
      if (this.isStopped) return;
      this.totalRestarts += 1;
      this.write(`${record.name} restarted on 127.0.0.1:${String(record.port)} (pid ${started.pid}; restart ${series.restarts} in a row, ${this.totalRestarts} in all)`);
      this.watch({ ...supervised, child: started.child });
    } catch (err) {
      if (this.isStopped) return;
      this.write(`${record.name} did not start again: ${errorMessage(err)}`);
      this.scheduleRestart(supervised);
    }
  }
}

