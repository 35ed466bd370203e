// A real MariaDB server for tests: Debian's mariadb-server, initialised by mariadb-install-db in a
// temporary directory and started on a free loopback port with the command lines of DESIGN.md.
// It is ready when a client connects over TCP and `SELECT 1` answers (the port opens before the
// server accepts logins). stop() ends it by its pid, SIGTERM then SIGKILL, and removes the
// directory; a process 'exit' hook kills whatever a crashed test left running.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import mysql from 'mysql2/promise';
import { waitFor } from './wait.js';

export interface MariaDbHandle {
  /** mysql://root@127.0.0.1:<port>/dchat, for --db / openStore. */
  url: string;
  host: string;
  port: number;
  /** The server's pid; 0 between crash() and restart(). */
  pid: number;
  /** The temporary directory holding data/, sock, pid and error.log; removed by stop(). */
  dir: string;
  /** SIGKILLs the server (a crash, not a shutdown) and waits until it is gone; data stays. */
  crash(): Promise<void>;
  /** Starts the server again on the same port and data after crash(); resolves once it serves. */
  restart(): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and removes dir. Safe to call twice. */
  stop(): Promise<void>;
}

const installHint = 'mariadb-server is not installed: run `bash scripts/install-system-deps.sh`';
const host = '127.0.0.1';
const installTimeoutMs = 60_000;
const readyTimeoutMs = 30_000;
const stopGraceMs = 10_000;
const portAttempts = 3;

const livePids = new Set<number>();
process.on('exit', () => {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** The executable's path, looked up in PATH and the sbin directories a non-root PATH lacks. */
function findExecutable(name: string): string {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/sbin', '/usr/local/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  throw new Error(`${installHint} (no ${name} in ${dirs.join(delimiter)})`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function logTail(file: string, lines = 15): string {
  if (!existsSync(file)) return `(no ${file})`;
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Runs a program to completion; rejects with its output when it fails or takes too long. */
function run(program: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${program} exited with ${code ?? signal}:\n${outputSummary(output)}`));
    });
  });
}

/** The lines that say what went wrong (mariadb-install-db ends with pages of generic advice), else the first ones. */
function outputSummary(output: string): string {
  const lines = output.trimEnd().split('\n');
  const errors = lines.filter((l) => /error|fail|cannot|can't|denied|no space/i.test(l));
  return (errors.length > 0 ? errors : lines).slice(0, 15).join('\n');
}

async function answersSelectOne(port: number): Promise<boolean> {
  let conn: mysql.Connection | undefined;
  try {
    conn = await mysql.createConnection({ host, port, user: 'root', connectTimeout: 1_000 });
    await conn.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await conn?.end().catch(() => conn?.destroy());
  }
}

function launch(mariadbd: string, dir: string, port: number): ChildProcess {
  const child = spawn(
    mariadbd,
    [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      '--user=root',
      `--port=${port}`,
      `--bind-address=${host}`,
      `--socket=${join(dir, 'sock')}`,
      `--pid-file=${join(dir, 'pid')}`,
      `--log-error=${join(dir, 'error.log')}`,
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_general_ci',
    ],
    { stdio: 'ignore' },
  );
  if (child.pid === undefined) throw new Error(`could not start ${mariadbd} for ${dir}`);
  const pid = child.pid;
  livePids.add(pid);
  child.once('exit', () => livePids.delete(pid));
  return child;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function terminate(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && !hasExited(child)) process.kill(child.pid, 'SIGKILL');
  }, stopGraceMs);
  await exited;
  clearTimeout(timer);
}

async function waitUntilServing(child: ChildProcess, port: number, log: string): Promise<void> {
  await waitFor(
    async () => {
      if (hasExited(child)) throw new Error(`mariadbd on ${host}:${port} exited with ${child.exitCode ?? child.signalCode}:\n${logTail(log)}`);
      return answersSelectOne(port);
    },
    readyTimeoutMs,
    `MariaDB on ${host}:${port} to accept a TCP connection and answer SELECT 1 (log: ${log})`,
    50,
  );
}

/** Starts mariadbd on a free port and waits until it serves; 'port-taken' if another process won the port. */
async function serveOnFreePort(mariadbd: string, dir: string): Promise<{ child: ChildProcess; port: number } | 'port-taken'> {
  const port = await freePort();
  const child = launch(mariadbd, dir, port);
  const log = join(dir, 'error.log');
  try {
    await waitUntilServing(child, port, log);
    return { child, port };
  } catch (err) {
    await terminate(child);
    if (/Address already in use|Can't start server: Bind/i.test(logTail(log, 40))) return 'port-taken';
    throw err;
  }
}

/** A fresh MariaDB server with an empty root password, on a free loopback port. */
export async function startMariaDb(): Promise<MariaDbHandle> {
  const mariadbd = findExecutable('mariadbd');
  const installDb = findExecutable('mariadb-install-db');
  const dir = mkdtempSync(join(tmpdir(), 'dchat-mariadb-'));
  try {
    await run(
      installDb,
      ['--no-defaults', `--datadir=${join(dir, 'data')}`, '--user=root', '--skip-test-db', '--auth-root-authentication-method=normal'],
      installTimeoutMs,
    );
    for (let attempt = 1; attempt <= portAttempts; attempt++) {
      const served = await serveOnFreePort(mariadbd, dir);
      if (served === 'port-taken') continue;
      return handle(served.child, served.port, dir, mariadbd);
    }
    throw new Error(`mariadbd found its port taken ${portAttempts} times in a row:\n${logTail(join(dir, 'error.log'))}`);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function handle(first: ChildProcess, port: number, dir: string, mariadbd: string): MariaDbHandle {
  let child: ChildProcess | undefined = first;
  let stopping: Promise<void> | undefined;
  const log = join(dir, 'error.log');
  const self: MariaDbHandle = {
    url: `mysql://root@${host}:${port}/dchat`,
    host,
    port,
    pid: first.pid ?? 0,
    dir,
    async crash() {
      if (!child) return;
      const exited = new Promise<void>((resolve) => child?.once('exit', () => resolve()));
      if (!hasExited(child)) child.kill('SIGKILL');
      await exited;
      child = undefined;
      self.pid = 0;
    },
    async restart() {
      if (child) throw new Error(`MariaDB on ${host}:${port} is still running (pid ${self.pid}): crash() it first`);
      const next = launch(mariadbd, dir, port);
      child = next;
      self.pid = next.pid ?? 0;
      await waitUntilServing(next, port, log);
    },
    stop() {
      const running = child;
      stopping ??= (running ? terminate(running) : Promise.resolve()).finally(() => rmSync(dir, { recursive: true, force: true }));
      return stopping;
    },
  };
  return self;
}
