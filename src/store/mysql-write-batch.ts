// Group commit for MySQL: the message saves and acks that arrive in one turn of the event loop
// run on one pooled connection in one transaction, committed once, on the next turn. A commit
// is a round trip and (with InnoDB's default durability) a log flush, and BEGIN another round
// trip: a node saving a message per client per turn paid both for every message.
//
// A write that fails inside the batch (a deadlock, a lost connection) takes the transaction with
// it; that write fails with its own error, and the others of the batch run again, each in a
// transaction of its own, so one write's failure is never another's. A failing COMMIT fails every
// write of its batch (whether it was applied is unknown, as for a single write). No promise
// resolves before its write is committed.
//
// A write that is one statement (an acknowledgement's DELETE) may say so: alone in its turn it
// then runs as that statement in autocommit, one round trip instead of BEGIN, the statement and
// COMMIT. At light load, where turns hold one write each, that is most acknowledgements.
import type { Pool, PoolConnection } from 'mysql2/promise';

export type MySqlWork<T> = (conn: PoolConnection) => Promise<T>;

/** The write as one autocommitted statement, for when it runs alone. */
export type MySqlStatementWork<T> = () => Promise<T>;

interface QueuedWrite {
  readonly work: MySqlWork<unknown>;
  readonly asStatement: MySqlStatementWork<unknown> | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export class MySqlWriteBatch {
  private queue: QueuedWrite[] = [];
  private isScheduled = false;
  private readonly flushNow = (): void => void this.flush();

  constructor(
    private readonly pool: Pool,
    /** Runs one write alone in a transaction of its own (the store's usual path). */
    private readonly alone: <T>(work: MySqlWork<T>) => Promise<T>,
  ) {}

  run<T>(work: MySqlWork<T>, asStatement?: MySqlStatementWork<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, asStatement, resolve: resolve as (value: unknown) => void, reject });
      if (this.isScheduled) return;
      this.isScheduled = true;
      setImmediate(this.flushNow);
    });
  }

  private async flush(): Promise<void> {
    this.isScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 1) return this.runAlone(batch[0] as QueuedWrite);
    if (batch.length === 0) return;
    let conn: PoolConnection;
    try {
      conn = await this.pool.getConnection();
    } catch (err) {
      for (const write of batch) write.reject(err);
      return;
    }
    const values: unknown[] = [];
    try {
      await conn.beginTransaction();
      for (const write of batch) values.push(await write.work(conn));
    } catch (err) {
      await conn.rollback().then(() => conn.release(), () => conn.destroy());
      // values.length writes ran before the failing one: it fails, all others run alone.
      batch[values.length]?.reject(err);
      for (const [i, write] of batch.entries()) if (i !== values.length) void this.runAlone(write);
      return;
    }
    try {
      await conn.commit();
      conn.release();
    } catch (err) {
      conn.destroy();
      for (const write of batch) write.reject(err);
      return;
    }
    batch.forEach((write, i) => write.resolve(values[i]));
  }

  private async runAlone(write: QueuedWrite): Promise<void> {
    try {
      write.resolve(await (write.asStatement ? write.asStatement() : this.alone(write.work)));
    } catch (err) {
      write.reject(err);
    }
  }
}
