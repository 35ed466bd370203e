// The thread behind SqliteCheckpointer (sqlite-checkpointer.ts): its own connection to the
// store's file, copying the WAL's committed pages into the database file with PASSIVE
// checkpoints, which never wait for the writer and never make it wait. Checkpoints fsync the
// WAL and then the database file (synchronous=NORMAL): those waits happen here, not on the
// event loop that serves the users. It tells the store's thread only what needs its action.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointerReport, CheckpointerSettings } from './sqlite-checkpointer.js';

const { file, intervalMs, restartAboveFrames } = workerData as CheckpointerSettings;
const port = parentPort;
if (!port) throw new Error('sqlite-checkpoint-worker runs as a worker thread of a SqliteStore');

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${err.message} (${code})` : err.message;
}

function open(): Database.Database {
  try {
    const connection = new Database(file, { fileMustExist: true });
    connection.pragma('synchronous = NORMAL');
    return connection;
  } catch (err) {
    // A SQLite error reaches the store's thread without its message: say it in a plain Error.
    throw new Error(`opening its own connection to ${file} failed: ${describe(err)}`);
  }
}

const db = open();
let lastProblem = '';

function report(message: CheckpointerReport): void {
  port?.postMessage(message);
}

function checkpoint(): void {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    lastProblem = '';
    // A long WAL: the writer has not found every frame copied when it began a transaction
    // (it commits while the copying runs), so the WAL never started again from its beginning.
    // The store's thread restarts it.
    if (result && result.log > restartAboveFrames) report({ kind: 'wal-long', frames: result.log });
  } catch (err) {
    const problem = describe(err);
    if (problem !== lastProblem) report({ kind: 'failed', problem });
    lastProblem = problem;
  }
  setTimeout(checkpoint, intervalMs);
}

checkpoint();
