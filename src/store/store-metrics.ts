// Storage metrics: how long a write transaction takes from its start to its commit, by backend.
// For SQLite one commit holds every write of a turn of the event loop (sqlite-write-batch.ts).
import { HistogramFamily, scrapedGauge } from '../base/metrics.js';

const commitSeconds = new HistogramFamily('dchat_store_commit_seconds', 'From a write transaction begun to its commit done, by storage backend (mysql, sqlite)', ['backend']);

export const mysqlCommitSeconds = commitSeconds.cell('mysql');
export const sqliteCommitSeconds = commitSeconds.cell('sqlite');

/** Reads the backlog gauge from `repo` from now on (a store shared by nodes: each reports it all). */
export function publishBacklog(repo: { countAllPending(): Promise<number> }): void {
  scrapedGauge('dchat_pending_deliveries', 'Deliveries stored and not yet acknowledged by their recipient\'s client, in the whole store (every process over one database reports the same figure: take max)', [], async (set) => {
    set(await repo.countAllPending());
  });
}
