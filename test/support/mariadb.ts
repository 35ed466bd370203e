// A real MariaDB server for tests: the server of src/up/mariadb-server.ts (Debian's
// mariadb-server, initialised by mariadb-install-db, ready once `SELECT 1` answers over TCP) in a
// temporary directory on a free loopback port. What `dchat up` never does to it lives here: a
// crash and a restart, and another port when one was taken between probing and binding. stop()
// ends it by its pid, SIGTERM then SIGKILL, and removes the directory.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freeLoopbackPort } from '../../src/up/free-ports.js';
import { initialiseMariaDb, startMariaDb as startServer, type MariaDbServer } from '../../src/up/mariadb-server.js';
import { logTail, loopbackPlacement, type ServicePlacement, type ServiceProcess } from '../../src/up/service-process.js';
import { assertInstalled, killOnExit, stopService } from './test-services.js';

export interface MariaDbHandle {
  /** mysql://root@127.0.0.1:<port>/dchat, for --db / openStore; on another host, a `dchat` account's URL. */
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

const stopGraceMs = 10_000;
const portAttempts = 3;

/** Starts mariadbd on `port` and waits until it serves; the process is recorded as soon as it exists. */
function serve(dir: string, port: number, placement: ServicePlacement, onLaunched: (service: ServiceProcess) => void): Promise<MariaDbServer> {
  return startServer(dir, port, (server) => onLaunched(killOnExit(server.process)), placement);
}

/** Starts mariadbd on a free port and waits until it serves; 'port-taken' if another process won the port. */
async function serveOnFreePort(dir: string, placement: ServicePlacement): Promise<MariaDbServer | 'port-taken'> {
  let launched: ServiceProcess | undefined;
  try {
    return await serve(dir, await freeLoopbackPort(), placement, (service) => (launched = service));
  } catch (err) {
    if (launched) await stopService(launched, 'SIGTERM', stopGraceMs);
    if (/Address already in use|Can't start server: Bind/i.test(logTail(join(dir, 'error.log'), 40))) return 'port-taken';
    throw err;
  }
}

/**
 * root may log in from MariaDB's own host only, and the test process is not on it: a `dchat`
 * account that may log in from anywhere, made over the server's unix socket (a file, so it is
 * reached from the test process whatever host the server is on).
 */
async function remoteAccountUrl(dir: string, host: string, port: number): Promise<string> {
  const password = randomBytes(12).toString('base64url');
  const conn = await mysql.createConnection({ socketPath: join(dir, 'sock'), user: 'root' });
  try {
    await conn.query('CREATE DATABASE IF NOT EXISTS dchat CHARACTER SET utf8mb4');
    await conn.query("CREATE USER IF NOT EXISTS 'dchat'@'%' IDENTIFIED BY ?", [password]);
    await conn.query("GRANT ALL PRIVILEGES ON dchat.* TO 'dchat'@'%'");
  } finally {
    await conn.end();
  }
  return `mysql://dchat:${password}@${host}:${port}/dchat`;
}

/**
 * A fresh MariaDB server with an empty root password, on a free loopback port; or, with a
 * placement, on that host's address, reached through a `dchat` account (see `url`). Its
 * directory is made in `parentDir` (the system's temporary directory by default).
 */
export async function startMariaDb(placement: ServicePlacement = loopbackPlacement, parentDir: string = tmpdir()): Promise<MariaDbHandle> {
  assertInstalled(['mariadb-server']);
  const dir = mkdtempSync(join(parentDir, 'dchat-mariadb-'));
  try {
    await initialiseMariaDb(dir);
    for (let attempt = 1; attempt <= portAttempts; attempt++) {
      const served = await serveOnFreePort(dir, placement);
      if (served === 'port-taken') continue;
      const running = handle(served, dir, placement);
      if (placement === loopbackPlacement) return running;
      try {
        running.url = await remoteAccountUrl(dir, placement.bindHost, served.port);
      } catch (err) {
        await running.stop();
        throw err;
      }
      return running;
    }
    throw new Error(`mariadbd found its port taken ${portAttempts} times in a row:\n${logTail(join(dir, 'error.log'))}`);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function handle(first: MariaDbServer, dir: string, placement: ServicePlacement): MariaDbHandle {
  const host = placement.bindHost;
  let service: ServiceProcess | undefined = first.process;
  let stopping: Promise<void> | undefined;
  const { port } = first;
  const self: MariaDbHandle = {
    url: first.url,
    host,
    port,
    pid: first.process.pid,
    dir,
    async crash() {
      const crashed = service;
      if (!crashed) return;
      await stopService(crashed, 'SIGKILL', stopGraceMs);
      service = undefined;
      self.pid = 0;
    },
    async restart() {
      if (service) throw new Error(`MariaDB on ${host}:${port} is still running (pid ${self.pid}): crash() it first`);
      await serve(dir, port, placement, (next) => {
        service = next;
        self.pid = next.pid;
      });
    },
    stop() {
      const running = service;
      stopping ??= (running ? stopService(running, 'SIGTERM', stopGraceMs) : Promise.resolve()).finally(() => rmSync(dir, { recursive: true, force: true }));
      return stopping;
    },
  };
  return self;
}
