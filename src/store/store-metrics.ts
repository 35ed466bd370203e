// Storage metrics: how long a write transaction takes from its start to its commit, by backend.
// MySQL: the multi-statement writes (a message saved with its pending rows, a friendship, a group).
// SQLite: the group commit of message saves and acknowledgements, one per turn of the event loop
// (sqlite-write-batch.ts). The WAL restarts a SQLite store runs in its own thread
// (sqlite-checkpointer.ts). And the backlog of pending deliveries, read when Prometheus scrapes.
import { CounterFamily, HistogramFamily, isCounting, scrapedGauge, type CounterCell, type HistogramCell } from '../base/metrics.js';

export { metricsNow } from '../base/metrics.js';

const commitSeconds = new HistogramFamily('dchat_store_commit_seconds', 'From a write transaction begun to its commit done, by storage backend: mysql (message saves, friendships, groups), sqlite (the group commit of message saves and acks)', ['backend']);

let mysqlCell: HistogramCell | undefined;
let sqliteCell: HistogramCell | undefined;

/** A MySQL transaction begun at `beganMs` (performance.now()) has committed. */
export function countMysqlCommit(beganMs: number): void {
  if (isCounting) (mysqlCell ??= commitSeconds.cell('mysql')).observeSince(beganMs);
}

/** A SQLite group commit begun at `beganMs` (performance.now()) is done. */
export function countSqliteCommit(beganMs: number): void {
  if (isCounting) (sqliteCell ??= commitSeconds.cell('sqlite')).observeSince(beganMs);
}

const walRestarts = new CounterFamily(
  'dchat_sqlite_wal_restarts_total',
  "WAL restarts a SQLite store ran in its own thread because its checkpoint thread found the WAL past its limit (each a short pause of the event loop; none while the checkpoint thread keeps up)",
  [],
);
let walRestartCell: CounterCell | undefined;

/** A SQLite store restarted its WAL in its own thread. */
export function countSqliteWalRestart(): void {
  if (isCounting) (walRestartCell ??= walRestarts.cell()).inc();
}

/** Reads the backlog gauge from `repo` from now on (a store shared by nodes: each reports it all). */
export function publishBacklog(repo: { countAllPending(): Promise<number> }): void {
  scrapedGauge('dchat_pending_deliveries', 'Deliveries stored and not yet acknowledged by their recipient\'s client, in the whole store (every process over one database reports the same figure: take max)', [], async (set) => {
    set(await repo.countAllPending());
  });
}
