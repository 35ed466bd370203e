// The one way a node gets its repository: from the --db / DCHAT_DB value, or, without one, the
// embedded SQLite file in the data directory. The returned store is migrated and ready.
import type { ChatRepository } from './repository.js';
import { SqliteStore } from './sqlite-store.js';
import { parseStoreUrl } from './store-url.js';

export interface OpenStoreOptions {
  /** sqlite:/path/file or mysql://user:pass@host:port/db; empty or absent: SQLite in dataDir. */
  db?: string | undefined;
  /** Where the embedded SQLite file (dchat.sqlite) lives; created when missing. */
  dataDir: string;
}

/** Rejects with StoreError: DCHAT_STORE_BAD_URL, DCHAT_STORE_UNAVAILABLE or DCHAT_STORE_FAILED. */
export async function openStore(options: OpenStoreOptions): Promise<ChatRepository> {
  const store = await connect(options);
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}

async function connect(options: OpenStoreOptions): Promise<ChatRepository> {
  if (!options.db) return SqliteStore.openInDirectory(options.dataDir);
  const parsed = parseStoreUrl(options.db);
  if (!parsed.ok) throw parsed.error;
  const location = parsed.value;
  if (location.kind === 'sqlite') return SqliteStore.openFile(location.file);
  // Loaded only when asked for, so that a standalone node never loads the MySQL driver.
  const { MySqlStore } = await import('./mysql-store.js');
  return new MySqlStore(location);
}
