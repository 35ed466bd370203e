// MariaDB for a local cluster, as DESIGN.md starts it: `mariadb-install-db` once (root may then
// log in over TCP with an empty password), then `mariadbd` on a loopback port with every file in
// one directory. The data stays between runs, so users and messages survive `dchat down`.
// That includes the tmpdir: a starting mariadbd deletes every `#sql…` temporary table file in its
// tmpdir, so servers sharing /tmp would delete the tables of each other's running statements.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { DchatError } from '../base/dchat-error.js';
import { assertRunning, launchService, type ServiceProcess } from './service-process.js';
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

export async function startMariaDb(dir: string, port: number, onLaunched: (server: MariaDbServer) => void): Promise<MariaDbServer> {
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'error.log');
  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--tmpdir=${ownTmpDir(dir)}`,
    '--user=root',
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${join(dir, 'sock')}`,
    `--pid-file=${join(dir, 'pid')}`,
    `--log-error=${logFile}`,
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
  ];
  const server = { port, url: `mysql://root@127.0.0.1:${port}/dchat`, dataDir, logFile, process: launchService('MariaDB', clusterBinaries.mariadbd, args, join(dir, 'mariadbd.out')) };
  onLaunched(server);
  await waitUntil(
    async () => {
      assertRunning('MariaDB', server.process, logFile);
      return answersSelectOne(port);
    },
    readyTimeoutMs,
    `MariaDB on 127.0.0.1:${port} to answer SELECT 1 over TCP (log: ${logFile})`,
    100,
  );
  return server;
}

async function answersSelectOne(port: number): Promise<boolean> {
  let conn: mysql.Connection | undefined;
  try {
    conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1_000 });
    await conn.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await conn?.end().catch(() => conn?.destroy());
  }
}
