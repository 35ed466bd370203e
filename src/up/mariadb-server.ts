// MariaDB for a local cluster, as DESIGN.md starts it: `mariadb-install-db` once (root may then
// log in over TCP with an empty password), then `mariadbd` on a loopback port with every file in
// one directory. The data stays between runs, so users and messages survive `dchat down`.
// That includes the tmpdir: a starting mariadbd deletes every `#sql…` temporary table file in its
// tmpdir, so servers sharing /tmp would delete the tables of each other's running statements.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { DchatError } from '../base/dchat-error.js';
import { assertRunning, launchService, loopbackPlacement, type ServicePlacement, type ServiceProcess } from './service-process.js';
import { clusterBinaries } from './system-packages.js';
import { waitUntil } from './wait-until.js';

export interface MariaDbServer {
  readonly port: number;
  readonly url: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly process: ServiceProcess;
}

const installTimeoutMs = 120_000;
/**
 * A transaction left open by a node that was cut off (its link, not its process, died) keeps its
 * row locks until MariaDB notices the connection is gone: wait_timeout, 8 hours. A login needs
 * the user's row, so that user could log in nowhere. dchat's transactions are a few statements
 * sent back to back, never idle for seconds: one idle this long is ended, its connection closed.
 */
export const idleTransactionTimeoutS = 10;
const readyTimeoutMs = 60_000;

/** Creates the system tables in DIR/data unless they are there already (a restarted cluster keeps its data). */
export async function initialiseMariaDb(dir: string): Promise<void> {
  const dataDir = join(dir, 'data');
  if (existsSync(join(dataDir, 'mysql'))) return;
  const args = ['--no-defaults', `--datadir=${dataDir}`, `--tmpdir=${ownTmpDir(dir)}`, '--user=root', '--skip-test-db', '--auth-root-authentication-method=normal'];
  const result = await runToEnd(clusterBinaries.mariadbInstallDb, args, installTimeoutMs);
  if (result.failure !== undefined) {
    throw new DchatError('DCHAT_UP_START_FAILED', `mariadb-install-db failed for ${dataDir} (${result.failure}):\n${failureLines(result.output)}\nRemove ${dir} to start from an empty database.`);
  }
}

/** DIR/tmp, made if missing (a cluster directory from before it existed lacks it). */
function ownTmpDir(dir: string): string {
  const tmpDir = join(dir, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  return tmpDir;
}

/** How a program ended (undefined when it exited 0), with its stdout and stderr. */
function runToEnd(program: string, args: string[], timeoutMs: number): Promise<{ failure: string | undefined; output: string }> {
  return new Promise((resolve) => {
    execFile(program, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const failure = error ? String(error.signal ?? error.code ?? error.message) : undefined;
      resolve({ failure, output: `${stdout}${stderr}` });
    });
  });
}

/** The lines that say what went wrong (mariadb-install-db ends with pages of generic advice), else the first ones. */
function failureLines(output: string): string {
  const lines = output.trimEnd().split('\n');
  const errors = lines.filter((l) => /error|fail|cannot|can't|denied|no space/i.test(l));
  return (errors.length > 0 ? errors : lines).slice(0, 15).join('\n');
}

/** Starts mariadbd where `placement` says (loopback here by default) and waits until it serves. */
export async function startMariaDb(dir: string, port: number, onLaunched: (server: MariaDbServer) => void, placement: ServicePlacement = loopbackPlacement): Promise<MariaDbServer> {
  const host = placement.bindHost;
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'error.log');
  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--tmpdir=${ownTmpDir(dir)}`,
    '--user=root',
    `--port=${port}`,
    `--bind-address=${host}`,
    `--socket=${join(dir, 'sock')}`,
    `--pid-file=${join(dir, 'pid')}`,
    `--log-error=${logFile}`,
    `--idle-transaction-timeout=${idleTransactionTimeoutS}`,
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
  ];
  const mariadbd = launchService('MariaDB', clusterBinaries.mariadbd, args, join(dir, 'mariadbd.out'), undefined, placement.commandPrefix);
  const server = { port, url: `mysql://root@${host}:${port}/dchat`, dataDir, logFile, process: mariadbd };
  onLaunched(server);
  await waitUntil(
    async () => {
      assertRunning('MariaDB', server.process, logFile);
      return answersSelectOne(host, port);
    },
    readyTimeoutMs,
    `MariaDB on ${host}:${port} to answer SELECT 1 over TCP (log: ${logFile})`,
    100,
  );
  return server;
}

/**
 * Whether MariaDB serves on the port: it answers a query, or refuses the login (root has a
 * password once secured; root may log in from its own host only, when MariaDB is on another).
 */
async function answersSelectOne(host: string, port: number): Promise<boolean> {
  let conn: mysql.Connection | undefined;
  try {
    conn = await mysql.createConnection({ host, port, user: 'root', connectTimeout: 1_000 });
    await conn.query('SELECT 1');
    return true;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_HOST_NOT_PRIVILEGED';
  } finally {
    await conn?.end().catch(() => conn?.destroy());
  }
}

interface MariaDbCredentials {
  rootPassword: string;
  dchatPassword: string;
}

/**
 * Gives a local cluster's MariaDB credentials instead of the password-less root that
 * mariadb-install-db leaves: a `dchat` account with rights on the dchat database only, and a
 * root password, both random and kept in DIR/credentials.json (mode 0600). Done once; a later
 * start reads the file. Returns the URL the chat nodes use.
 */
export async function secureMariaDb(dir: string, port: number): Promise<string> {
  const file = join(dir, 'credentials.json');
  const urlOf = (c: MariaDbCredentials): string => `mysql://dchat:${encodeURIComponent(c.dchatPassword)}@127.0.0.1:${port}/dchat`;
  if (existsSync(file)) return urlOf(JSON.parse(readFileSync(file, 'utf8')) as MariaDbCredentials);
  const credentials: MariaDbCredentials = { rootPassword: randomBytes(18).toString('base64url'), dchatPassword: randomBytes(18).toString('base64url') };
  let conn: mysql.Connection | undefined;
  try {
    conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 5_000 });
    await conn.query('CREATE DATABASE IF NOT EXISTS dchat CHARACTER SET utf8mb4');
    for (const host of ['127.0.0.1', 'localhost']) {
      await conn.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', ['dchat', host, credentials.dchatPassword]);
      await conn.query('GRANT ALL PRIVILEGES ON dchat.* TO ?@?', ['dchat', host]);
    }
    // Written before root's password changes: a failure after this leaves a file that still opens the database.
    writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    await conn.query("ALTER USER 'root'@'localhost' IDENTIFIED BY ?", [credentials.rootPassword]);
  } catch (err) {
    throw new DchatError('DCHAT_UP_START_FAILED', `could not give MariaDB on 127.0.0.1:${port} its credentials: ${(err as Error).message}; remove ${dir} to start from an empty database`);
  } finally {
    await conn?.end().catch(() => conn?.destroy());
  }
  return urlOf(credentials);
}
