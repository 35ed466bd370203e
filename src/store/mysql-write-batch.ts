// Group commit for MySQL, in one round trip: the message saves and acks that arrive in one turn
// of the event loop go to the server as one text query on one pooled connection, "START
// TRANSACTION; <each write's statements>; COMMIT", on the next turn, or, while the batch before
// is still on its way, together with everything else that arrives until it is answered: one
// batch of a store is in flight at a time. Each statement of a batch
// used to be a round trip of its own (BEGIN, the message, its pending rows, COMMIT, and the
// pending-cap count before them): on a machine where a socket write and the wake-up for its
// answer cost tens of microseconds, those round trips were most of a cluster node's work per
// message. The statements carry their values as literals (sql-literal.ts); the server runs them
// in order and stops at the first that fails.
//
// A write that fails inside the batch (a duplicate key, a deadlock) stops the query with the
// transaction open: it is rolled back, and every write of the batch runs again alone, through
// its own path with prepared statements, so one write's failure is never another's and a
// duplicate key finds the message that holds it. A connection lost during the query fails every
// write of its batch: whether the COMMIT ran is unknown, as for a single write. No promise
// resolves before its write is committed.
//
// Since every write of the store waits behind the batch on its way, a batch whose answer does
// not come (a connection silently cut, a server stopped) must not hold them for ever: after
// answerTimeoutMs (mysql-answer.ts) its connection is destroyed and its writes fail as if the
// connection had been lost; the next batch goes on a fresh connection.
//
// A write that is one statement (an acknowledgement's DELETE), alone in its turn, is sent as that
// statement in autocommit, no transaction around it.
import type { Pool, PoolConnection, ResultSetHeader } from 'mysql2/promise';
import { answerWithin, defaultAnswerTimeoutMs, isConnectionLost } from './mysql-answer.js';

export interface MySqlBatchWrite<T> {
  /** Its statements, values as literals (sql-literal.ts), without BEGIN or COMMIT. */
  readonly statements: readonly string[];
  /** Its value, from the results of its statements (one each, in order). */
  readonly value: (results: readonly ResultSetHeader[]) => T;
  /** The same write on its own, in a transaction of its own if it needs one. */
  readonly alone: () => Promise<T>;
}

interface QueuedWrite {
  readonly write: MySqlBatchWrite<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The most text one query of a batch carries; a turn with more is sent as several. A server
 * refuses a query longer than its max_allowed_packet (16 MiB by default in MariaDB, 4 MiB in
 * older MySQL), and a turn of busy senders with long texts (16 KiB of UTF-8 each, 32 KiB as hex)
 * could reach that.
 */
export const maxQueryChars = 1024 * 1024;

/** The writes in order, cut into runs whose statements stay within maxQueryChars (a larger write alone). */
function byQuerySize(writes: readonly QueuedWrite[]): QueuedWrite[][] {
  const runs: QueuedWrite[][] = [];
  let run: QueuedWrite[] = [];
  let chars = 0;
  for (const queued of writes) {
    const size = queued.write.statements.reduce((n, text) => n + text.length + 2, 0);
    if (run.length > 0 && chars + size > maxQueryChars) {
      runs.push(run);
      run = [];
      chars = 0;
    }
    run.push(queued);
    chars += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/**
 * Batches of one store on their way to MySQL at once. The writes that arrive meanwhile wait for
 * one to be answered and go together in the next: under load a batch then carries what arrived
 * during a commit, not during one turn, and a message costs the node and MariaDB a fraction of
 * a round trip and of a commit.
 */
export const maxBatchesInFlight = 1;

export class MySqlWriteBatch {
  private queue: QueuedWrite[] = [];
  private isScheduled = false;
  /** Batches sent and not yet answered; while maxBatchesInFlight are, new writes wait and join the next. */
  private inFlight = 0;
  private readonly flushNow = (): void => void this.flush();

  constructor(
    /** A pool whose connections take several statements per query (multipleStatements). */
    private readonly pool: Pool,
    /** Told of every batch committed, with the time (metricsNow) its query was sent. */
    private readonly onCommit: (beganMs: number) => void,
    private readonly now: () => number,
    private readonly answerTimeoutMs: number = defaultAnswerTimeoutMs,
  ) {}

  run<T>(write: MySqlBatchWrite<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.isScheduled || this.inFlight >= maxBatchesInFlight || this.queue.length === 0) return;
    this.isScheduled = true;
    setImmediate(this.flushNow);
  }

  private async flush(): Promise<void> {
    this.isScheduled = false;
    const queued = this.queue;
    this.queue = [];
    this.inFlight++;
    try {
      // One after another, so that ids keep the order in which the writes came.
      for (const batch of byQuerySize(queued)) await this.commit(batch);
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }

  private async commit(batch: readonly QueuedWrite[]): Promise<void> {
    const only = batch.length === 1 ? (batch[0] as QueuedWrite) : undefined;
    if (only && only.write.statements.length === 1) return this.runStatement(only);
    let conn: PoolConnection;
    try {
      conn = await this.pool.getConnection();
    } catch (err) {
      for (const queued of batch) queued.reject(err);
      return;
    }
    const text = ['START TRANSACTION', ...batch.flatMap((queued) => queued.write.statements), 'COMMIT'].join(';\n');
    const beganMs = this.now();
    let results: ResultSetHeader[];
    try {
      results = await this.answerOf<ResultSetHeader[]>(conn, text);
    } catch (err) {
      if (isConnectionLost(err)) {
        conn.destroy();
        for (const queued of batch) queued.reject(err);
        return;
      }
      // The server stopped at the failing statement, before COMMIT: undo what ran before it.
      await this.answerOf(conn, 'ROLLBACK').then(() => conn.release(), () => conn.destroy());
      // One after another, in the order they came: ids keep the order in which messages were sent.
      for (const queued of batch) await this.runAlone(queued);
      return;
    }
    conn.release();
    const expected = 2 + batch.reduce((n, queued) => n + queued.write.statements.length, 0);
    if (!Array.isArray(results) || results.length !== expected) {
      const err = new Error(`MySQL answered a batch of ${expected} statements with ${Array.isArray(results) ? results.length : 'one'} results`);
      for (const queued of batch) queued.reject(err);
      return;
    }
    this.onCommit(beganMs);
    let next = 1; // results[0] is START TRANSACTION's
    for (const queued of batch) {
      const own = results.slice(next, next + queued.write.statements.length);
      next += queued.write.statements.length;
      try {
        queued.resolve(queued.write.value(own));
      } catch (err) {
        queued.reject(err);
      }
    }
  }

  /** A lone one-statement write: that statement in autocommit, one round trip. */
  private async runStatement(queued: QueuedWrite): Promise<void> {
    let conn: PoolConnection | undefined;
    let results: ResultSetHeader;
    try {
      conn = await this.pool.getConnection();
      results = await this.answerOf<ResultSetHeader>(conn, queued.write.statements[0] as string);
      conn.release();
    } catch (err) {
      if (isConnectionLost(err) || conn === undefined) {
        conn?.destroy();
        queued.reject(err);
        return;
      }
      conn.release();
      await this.runAlone(queued); // its own path knows what to do with a deadlock
      return;
    }
    try {
      queued.resolve(queued.write.value([results]));
    } catch (err) {
      queued.reject(err);
    }
  }

  /** The results of one query on conn, within answerTimeoutMs (mysql-answer.ts). */
  private answerOf<T>(conn: PoolConnection, text: string): Promise<T> {
    return answerWithin(conn, this.answerTimeoutMs, async () => (await conn.query(text))[0] as T);
  }

  private async runAlone(queued: QueuedWrite): Promise<void> {
    try {
      queued.resolve(await queued.write.alone());
    } catch (err) {
      queued.reject(err);
    }
  }
}
