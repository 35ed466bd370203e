// Turns whatever mysql2 throws into a StoreError whose message names the server and the fix.
// "Unavailable" means the server cannot be reached or refuses us, so retrying later (or
// starting it) helps; "failed" means one statement went wrong on a server that answers.
import { errorMessage } from '../base/dchat-error.js';
import { StoreError } from './store-error.js';
import { describeMySql, type MySqlLocation } from './store-url.js';

const startHint = '`dchat up --cluster` starts one';

type Explain = (where: string, location: MySqlLocation) => string;

/** Failures of the connection itself, by mysql2's or the OS's error code. */
const unavailable: Record<string, Explain> = {
  ECONNREFUSED: (where) => `MySQL at ${where} refused the connection: is it running? ${startHint}`,
  ENOTFOUND: (_where, l) => `MySQL host "${l.host}" does not resolve: check the host in --db / DCHAT_DB`,
  EAI_AGAIN: (_where, l) => `MySQL host "${l.host}" could not be resolved right now (DNS): check the network and retry`,
  ETIMEDOUT: (where) => `MySQL at ${where} did not answer in time: check host, port and firewall; is it running? ${startHint}`,
  EHOSTUNREACH: (where) => `MySQL at ${where} is unreachable: check the host in --db / DCHAT_DB and the network`,
  ECONNRESET: (where) => `MySQL at ${where} reset the connection: the pool reconnects once the server is back; check that it runs`,
  EPIPE: (where) => `the connection to MySQL at ${where} broke: the pool reconnects once the server is back; check that it runs`,
  PROTOCOL_CONNECTION_LOST: (where) =>
    `the connection to MySQL at ${where} was lost (server gone or restarted): the pool reconnects once it is back; check that it runs`,
  DCHAT_MYSQL_NO_ANSWER: (where) =>
    `MySQL at ${where} did not answer in time (cut off, stopped or overloaded?): its connection was closed, and a write may or may not have been done (a message resent with the same client_msg_id is stored once); check the server and the network to it`,
  ER_SERVER_SHUTDOWN: (where) => `MySQL at ${where} is shutting down: start it again (${startHint})`,
  ER_CONNECTION_KILLED: (where) => `MySQL at ${where} killed the connection: the pool reconnects; check the server's log`,
  ER_ACCESS_DENIED_ERROR: (where, l) => `MySQL at ${where} refused user "${l.user}": check the user and password in --db / DCHAT_DB`,
  ER_DBACCESS_DENIED_ERROR: (where, l) =>
    `MySQL at ${where} denies user "${l.user}" access to database "${l.database}": GRANT ALL ON ${l.database}.* TO that user`,
  ER_CON_COUNT_ERROR: (where) => `MySQL at ${where} has too many connections: raise max_connections or run fewer nodes`,
  ER_HOST_NOT_PRIVILEGED: (where) => `MySQL at ${where} does not allow connections from this host: grant the user access from it`,
};

/** Statement failures worth a specific remedy. */
const failed: Record<string, string> = {
  ER_NO_REFERENCED_ROW_2: 'a row refers to a user, group or message that does not exist',
  ER_ROW_IS_REFERENCED_2: 'other rows still refer to this one',
  ER_RECORD_FILE_FULL: "the table is full: free disk space on the MySQL server",
  ER_DISK_FULL: "the MySQL server's disk is full: free space on it",
  ER_OUT_OF_RESOURCES: 'the MySQL server ran out of memory',
  ER_LOCK_WAIT_TIMEOUT: 'a lock wait timed out: another transaction held the rows too long; retry',
  ER_LOCK_DEADLOCK: 'a deadlock rolled the transaction back; retry',
  ER_NO_SUCH_TABLE: 'a table is missing: run `dchat db migrate --db <url>`',
  ER_BAD_FIELD_ERROR: 'a column is missing: the database has an older layout; run `dchat db migrate --db <url>`',
};

/** A full disk or table on the server: writes fail until space is freed. */
const fullCodes = new Set(['ER_RECORD_FILE_FULL', 'ER_DISK_FULL']);

function stringField(err: unknown, field: 'code' | 'sqlMessage'): string | undefined {
  if (typeof err !== 'object' || err === null || !(field in err)) return undefined;
  const value: unknown = (err as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

/** True when the pool (or connection) was closed by us, not by the server. */
function isClosedByUs(err: unknown): boolean {
  return /Pool is closed|closed state/.test(errorMessage(err));
}

export function mysqlStoreError(err: unknown, action: string, location: MySqlLocation): StoreError {
  if (err instanceof StoreError) return err;
  const where = describeMySql(location);
  const code = stringField(err, 'code');
  const explain = code !== undefined ? unavailable[code] : undefined;
  if (explain) return new StoreError('DCHAT_STORE_UNAVAILABLE', `${explain(where, location)} (during ${action})`, { cause: err });
  if (isClosedByUs(err)) {
    return new StoreError('DCHAT_STORE_UNAVAILABLE', `${action} on MySQL at ${where} failed: the store is closed`, { cause: err });
  }
  const detail = stringField(err, 'sqlMessage') ?? errorMessage(err);
  const remedy = (code && failed[code]) ?? 'see the cause for details';
  return new StoreError(code && fullCodes.has(code) ? 'DCHAT_STORE_FULL' : 'DCHAT_STORE_FAILED', `${action} on MySQL at ${where} failed (${code ?? 'no code'}: ${detail}); ${remedy}`, {
    cause: err,
  });
}

/** True for a duplicate key: an expected outcome (name taken, already friends), not a failure. */
export function isDuplicateKey(err: unknown): boolean {
  return stringField(err, 'code') === 'ER_DUP_ENTRY';
}
