// A bound on how long a MySQL statement may go unanswered. A connection cut without a reset (a
// partition, a host gone dark) leaves a query waiting for an answer that never comes: TCP gives
// up on it only after many minutes of retransmissions, and until then the call, the session
// queue of the user who made it and the pooled connection are all held. So every statement of
// the store runs under a timer; when it fires the connection is destroyed (whatever the server
// answers later goes nowhere, and the pool opens a fresh one) and the call fails with a fatal
// error that mysql-error.ts turns into "unavailable". Whether a write ran is then unknown, as for
// any lost connection.
import type { PoolConnection } from 'mysql2/promise';
import { within } from '../base/deadline.js';

/**
 * How long one statement (or one batch of message writes) may go unanswered. Longer than
 * MariaDB's idle_transaction_timeout (10 s, docs/rules.md), so that a statement waiting for the
 * row locks of a vanished node's transaction gets them once the server ends it, rather than
 * failing first.
 */
export const defaultAnswerTimeoutMs = 15_000;

/**
 * The bound for the one statement whose work grows with what it removes: deleting a group with
 * all its messages. A silently cut connection still frees the user's session within it.
 */
export const bulkAnswerTimeoutMs = 5 * 60_000;

/** The error of a statement unanswered within the timeout: fatal, since its connection is destroyed. */
export function noAnswerError(timeoutMs: number): Error {
  return Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'DCHAT_MYSQL_NO_ANSWER', fatal: true });
}

/** True for an error after which the connection is gone: what the server did is unknown. */
export function isConnectionLost(err: unknown): boolean {
  return (err as { fatal?: unknown }).fatal === true;
}

/**
 * What `send` (one statement on conn) answers, or noAnswerError once timeoutMs pass without an
 * answer; conn is then destroyed. A statement that fails leaves conn to the caller, as mysql2 does.
 */
export function answerWithin<T>(conn: PoolConnection, timeoutMs: number, send: () => Promise<T>): Promise<T> {
  return within(send(), timeoutMs, () => {
    conn.destroy();
    return noAnswerError(timeoutMs);
  });
}
