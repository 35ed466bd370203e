// Turns whatever better-sqlite3 throws into a StoreError, so that a failing database (disk
// full, file unreadable, connection closed) reaches the caller as a value it can branch on
// instead of an exception that takes the node down.
import { errorMessage } from '../base/dchat-error.js';
import { StoreError } from './store-error.js';

/** SQLite's primary result code ('SQLITE_IOERR' for 'SQLITE_IOERR_WRITE'), or the OS's error code
 * ('EACCES') when creating the data directory failed. */
function primaryCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err) || typeof err.code !== 'string') return undefined;
  const match = /^SQLITE_[A-Z]+|^E[A-Z]+$/.exec(err.code);
  return match?.[0];
}

const remedies: Record<string, string> = {
  SQLITE_FULL: 'the disk (or the size limit of the database) is full: free space, then retry',
  SQLITE_IOERR: 'the disk failed a read or write: check the disk and free space',
  SQLITE_READONLY: 'the database file is read-only: make it and its directory writable by this process',
  SQLITE_CANTOPEN: 'the database file cannot be opened: check that the data directory exists and is writable',
  SQLITE_NOTADB: 'the file is not a SQLite database: point --data-dir elsewhere or move the file away',
  SQLITE_CORRUPT: 'the database file is corrupt: restore it from a backup or move it away',
  SQLITE_BUSY: 'another process holds the database locked: stop the other dchat using this data directory',
  SQLITE_LOCKED: 'the database is locked: stop the other dchat using this data directory',
  SQLITE_PERM: 'access to the database file is denied: check its permissions',
  SQLITE_CONSTRAINT: 'a constraint failed: the row refers to a user, group or message that does not exist',
  EACCES: 'the data directory cannot be created: choose a writable --data-dir',
  EPERM: 'the data directory cannot be created: choose a writable --data-dir',
  EROFS: 'the data directory is on a read-only file system: choose a writable --data-dir',
  ENOTDIR: 'a part of the data directory path is a file: choose another --data-dir',
  ENOSPC: 'the disk is full: free space, then retry',
};

/** Codes for which the database as a whole cannot serve, rather than one statement failing. */
const unavailableCodes = new Set(['SQLITE_CANTOPEN', 'SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_PERM', 'EACCES', 'EPERM', 'EROFS', 'ENOTDIR']);
/** Codes of a full disk (SQLite reports ENOSPC as SQLITE_FULL) or of the database's size cap. */
const fullCodes = new Set(['SQLITE_FULL', 'ENOSPC']);

export function sqliteStoreError(err: unknown, action: string, file: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = primaryCode(err);
  if (code === undefined && err instanceof TypeError && /not open/.test(err.message)) {
    return new StoreError('DCHAT_STORE_UNAVAILABLE', `SQLite ${file}: ${action} failed: the store is closed`, { cause: err });
  }
  const remedy = (code && remedies[code]) ?? 'see the cause for details';
  const storeCode = code && unavailableCodes.has(code) ? 'DCHAT_STORE_UNAVAILABLE' : code && fullCodes.has(code) ? 'DCHAT_STORE_FULL' : 'DCHAT_STORE_FAILED';
  const detail = code && !errorMessage(err).startsWith(code) ? `${code}: ${errorMessage(err)}` : errorMessage(err);
  return new StoreError(storeCode, `SQLite ${file}: ${action} failed (${detail}); ${remedy}`, {
    cause: err,
  });
}
