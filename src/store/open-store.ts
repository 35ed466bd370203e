// The one way a node gets its repository: from the --db / DCHAT_DB value, or, without one, the
// embedded SQLite file in the data directory. The returned store is migrated and ready.
import type { ChatRepository } from './repository.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
import { describeMySql, parseStoreUrl } from './store-url.js';

export interface OpenStoreOptions {
  /** sqlite:/path/file or mysql://user:pass@host:port/db; empty or absent: SQLite in dataDir. */
  db?: string | undefined;
  /** Where the embedded SQLite file (dchat.sqlite) lives; created when missing. */
  dataDir: string;
}

/** What `migrate` found and left: for `dchat db migrate` to print. */
export interface MigrationReport {
  /** "SQLite /path/dchat.sqlite" or "MySQL at host:port, database db". */
  where: string;
  tablesBefore: string[];
  tablesAfter: string[];
}

type ConcreteStore = ChatRepository & { tableNames(): Promise<string[]> };

/** Rejects with StoreError: DCHAT_STORE_BAD_URL, DCHAT_STORE_UNAVAILABLE or DCHAT_STORE_FAILED. */
export async function openStore(options: OpenStoreOptions): Promise<ChatRepository> {
  const { store } = await connect(options);
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}

/** Migrates the store and reports the tables before and after; the store is closed again. */
export async function migrateStore(options: OpenStoreOptions): Promise<MigrationReport> {
  // A few statements and done: no checkpoint thread for them.
  const { store, where } = await connect(options, { checkpointInBackground: false });
  try {
    const tablesBefore = await store.tableNames();
    await store.migrate();
    return { where, tablesBefore, tablesAfter: await store.tableNames() };
  } finally {
    await store.close().catch(() => undefined);
  }
}

async function connect(options: OpenStoreOptions, sqlite: SqliteStoreOptions = {}): Promise<{ store: ConcreteStore; where: string }> {
  if (!options.db) {
    const store = SqliteStore.openInDirectory(options.dataDir, sqlite);
    return { store, where: `SQLite ${store.file}` };
  }
  const parsed = parseStoreUrl(options.db);
  if (!parsed.ok) throw parsed.error;
  const location = parsed.value;
  if (location.kind === 'sqlite') return { store: SqliteStore.openFile(location.file, sqlite), where: `SQLite ${location.file}` };
  // Loaded only when asked for, so that a standalone node never loads the MySQL driver.
  const { MySqlStore } = await import('./mysql-store.js');
  return { store: new MySqlStore(location), where: `MySQL at ${describeMySql(location)}, database ${location.database}` };
}
