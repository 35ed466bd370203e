// The --db / DCHAT_DB value: where a node keeps its data.
//   sqlite:/var/lib/dchat/dchat.sqlite      a SQLite file (relative paths are taken from the cwd)
//   mysql://user:pass@host:3306/dchat       a MySQL or MariaDB server and database
// The database of a MySQL URL is created when missing, so its name must be a plain identifier:
// it ends up in CREATE DATABASE, where a name cannot be a bound parameter.
import { resolve } from 'node:path';
import type { StatusOr } from '../base/dchat-error.js';
import { StoreError } from './store-error.js';

export interface MySqlLocation {
  kind: 'mysql';
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export type StoreLocation = { kind: 'sqlite'; file: string } | MySqlLocation;

export const defaultMySqlPort = 3306;
export const defaultMySqlDatabase = 'dchat';
const databaseNamePattern = /^[A-Za-z0-9_]{1,64}$/;
const examples = 'expected sqlite:/path/to/dchat.sqlite or mysql://user:password@host:3306/dchat';

function badUrl(url: string, why: string): StatusOr<StoreLocation, StoreError> {
  return { ok: false, error: new StoreError('DCHAT_STORE_BAD_URL', `database URL "${redact(url)}" ${why}; ${examples}`) };
}

/** The URL with its password replaced, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/^(mysql:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

/** "host:port" of a MySQL location, as messages name it. */
export function describeMySql(location: MySqlLocation): string {
  return `${location.host.includes(':') ? `[${location.host}]` : location.host}:${location.port}`;
}

function parseSqlite(url: string): StatusOr<StoreLocation, StoreError> {
  const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  if (path === '') return badUrl(url, 'names no file');
  return { ok: true, value: { kind: 'sqlite', file: resolve(path) } };
}

function parseMySql(url: string): StatusOr<StoreLocation, StoreError> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return badUrl(url, 'does not parse as a URL');
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return badUrl(url, 'names no host');
  const port = parsed.port === '' ? defaultMySqlPort : Number(parsed.port);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || defaultMySqlDatabase;
  if (!databaseNamePattern.test(database)) {
    return badUrl(url, `names database "${database}", which is not 1-64 letters, digits or underscores`);
  }
  const user = decodeURIComponent(parsed.username) || 'root';
  return { ok: true, value: { kind: 'mysql', host, port, user, password: decodeURIComponent(parsed.password), database } };
}

export function parseStoreUrl(url: string): StatusOr<StoreLocation, StoreError> {
  const trimmed = url.trim();
  if (trimmed.startsWith('sqlite:')) return parseSqlite(trimmed);
  if (trimmed.startsWith('mysql://') || trimmed.startsWith('mariadb://')) return parseMySql(trimmed);
  return badUrl(url, 'has an unknown scheme');
}
