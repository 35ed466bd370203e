// Group commit for SQLite: the writes that arrive in one turn of the event loop (the saves and
// acknowledgements of many clients of a busy node) commit in one transaction, on the next turn.
// A commit costs far more than the statements it holds (measured: ~50 µs per message when each
// save and ack commits alone, ~3 µs each when a hundred commit together). One failing write (a
// constraint, a full disk) fails alone and leaves nothing half done: the batch first runs every
// write straight in the transaction, and only when one throws does it roll the whole batch back
// and run it again with each write in a savepoint of its own (a savepoint per write costs two
// statements each, paid by every message otherwise). A failing commit fails every write of its
// batch. No promise resolves before its write is committed.
import type Database from 'better-sqlite3';
import { countSqliteCommit, metricsNow } from './store-metrics.js';

interface QueuedWrite {
  readonly action: string;
  readonly work: () => unknown;
  /** Runs once the write is committed, before its promise resolves: for caches of what it changed. */
  readonly onCommitted: ((value: unknown) => void) | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Thrown out of the fast path's transaction so that it rolls back; never leaves this file. */
class WriteFailed extends Error {}

export class SqliteWriteBatch {
  private queue: QueuedWrite[] = [];
  private isScheduled = false;
  // better-sqlite3 builds a transaction function afresh on every db.transaction() call: made
  // once here. Called inside a transaction, a transaction function runs as a savepoint.
  private readonly commitAll: (batch: readonly QueuedWrite[], outcomes: Outcome[]) => void;
  private readonly commitEach: (batch: readonly QueuedWrite[], outcomes: Outcome[]) => void;
  private readonly inSavepoint: (work: () => unknown) => unknown;

  constructor(
    db: Database.Database,
    private readonly toStoreError: (error: unknown, action: string) => Error,
  ) {
    this.inSavepoint = db.transaction((work: () => unknown) => work());
    this.commitAll = db.transaction((batch: readonly QueuedWrite[], outcomes: Outcome[]) => {
      for (const write of batch) {
        try {
          outcomes.push({ ok: true, value: write.work() });
        } catch (error) {
          outcomes.push({ ok: false, error });
          throw new WriteFailed();
        }
      }
    });
    this.commitEach = db.transaction((batch: readonly QueuedWrite[], outcomes: Outcome[]) => {
      for (const write of batch) outcomes.push(this.attempt(write));
    });
  }

  run<T>(action: string, work: () => T, onCommitted?: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        action,
        work,
        onCommitted: onCommitted as ((value: unknown) => void) | undefined,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (this.isScheduled) return;
      this.isScheduled = true;
      setImmediate(() => this.flush());
    });
  }

  /** Commits what is queued now; also called before the database closes. */
  flush(): void {
    this.isScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[] = [];
    try {
      const beganMs = metricsNow();
      try {
        this.commitAll(batch, outcomes);
      } catch (error) {
        if (!(error instanceof WriteFailed)) throw error;
        // One write threw and the whole batch rolled back: run it again, each write in a
        // savepoint, so that the others commit without it.
        outcomes = [];
        this.commitEach(batch, outcomes);
      }
      countSqliteCommit(beganMs);
    } catch (error) {
      // Some failures (a full disk) make SQLite roll the whole transaction back, and the commit
      // then fails for want of a transaction: the write that failed first says why.
      const firstFailure = outcomes.find((o): o is Extract<Outcome, { ok: false }> => !o.ok);
      for (const write of batch) write.reject(this.toStoreError(firstFailure?.error ?? error, write.action));
      return;
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) {
        write.onCommitted?.(outcome.value);
        write.resolve(outcome.value);
      } else write.reject(this.toStoreError(outcome?.error, write.action));
    });
  }

  private attempt(write: QueuedWrite): Outcome {
    try {
      return { ok: true, value: this.inSavepoint(write.work) };
    } catch (error) {
      return { ok: false, error };
    }
  }
}
