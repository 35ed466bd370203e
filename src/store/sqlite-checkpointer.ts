// Checkpoints of a SQLite store's write-ahead log off the event loop. A checkpoint copies the
// pages committed to the WAL into the database file and fsyncs both; SQLite runs one after the
// commit that takes the WAL past 1,000 pages, in the committing thread: on a standalone node
// that was a pause of ~3 ms (two fsyncs) every ~1,000 pages, the slowest messages of a run.
// Here a worker thread with its own connection runs PASSIVE checkpoints every intervalMs, and
// the store's own connection runs none (wal_autocheckpoint=0).
//
// A WAL starts again from its beginning only when the writer begins a transaction and finds
// every frame copied. Under a steady stream of commits the worker rarely finishes between two
// of them, so the WAL would grow without end: once it is past restartAboveFrames the worker
// says so and the store's thread runs one RESTART checkpoint itself (what is left to copy is
// what the last commits wrote). If the worker fails to start or stops, the store goes back to
// SQLite's own checkpoints.
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { errorMessage } from '../base/dchat-error.js';
import { createLogger } from '../base/logger.js';
import { countSqliteWalRestart } from './store-metrics.js';

const log = createLogger('store.sqlite');

/** How often the worker checkpoints, and the WAL length past which the store restarts it. */
export const defaultCheckpointIntervalMs = 50;
export const defaultRestartAboveFrames = 8_192;
/** A WAL file longer than this (after a burst) is cut back to it when the WAL starts again. */
export const walSizeLimitBytes = 64 * 1024 * 1024;
/** SQLite's own checkpoint threshold, which the store goes back to without its worker. */
const sqliteAutocheckpointPages = 1_000;

export interface CheckpointerSettings {
  file: string;
  intervalMs: number;
  restartAboveFrames: number;
}

export type CheckpointerReport = { kind: 'wal-long'; frames: number } | { kind: 'failed'; problem: string };

export class SqliteCheckpointer {
  private readonly worker: Worker;
  private isStopping = false;

  constructor(
    private readonly db: Database.Database,
    private readonly settings: CheckpointerSettings,
  ) {
    db.pragma('wal_autocheckpoint = 0');
    db.pragma(`journal_size_limit = ${walSizeLimitBytes}`);
    this.worker = new Worker(new URL('./sqlite-checkpoint-worker.js', import.meta.url), { workerData: settings });
    this.worker.unref();
    this.worker.on('message', (report: CheckpointerReport) => this.onReport(report));
    this.worker.on('error', (err) => this.fallBack(`its checkpoint thread failed: ${err.message}`));
    this.worker.on('exit', (code) => {
      if (!this.isStopping) this.fallBack(`its checkpoint thread exited (code ${code})`);
    });
  }

  /** Stops the worker; the store's connection then checkpoints as it closes. */
  async stop(): Promise<void> {
    this.isStopping = true;
    await this.worker.terminate();
  }

  private onReport(report: CheckpointerReport): void {
    if (!this.db.open || this.isStopping) return;
    if (report.kind === 'failed') {
      log.warn('SQLite %s: a checkpoint failed (%s); the WAL keeps the pages until one succeeds', this.settings.file, report.problem);
      return;
    }
    try {
      log.debug('SQLite %s: the WAL is %d frames long; restarting it', this.settings.file, report.frames);
      this.db.pragma('wal_checkpoint(RESTART)');
      countSqliteWalRestart();
    } catch (err) {
      log.warn('SQLite %s: restarting a WAL of %d frames failed: %s', this.settings.file, report.frames, errorMessage(err));
    }
  }

  private fallBack(why: string): void {
    if (this.isStopping) return;
    this.isStopping = true;
    log.warn('SQLite %s: %s; SQLite checkpoints in the store thread again', this.settings.file, why);
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${sqliteAutocheckpointPages}`);
  }
}
