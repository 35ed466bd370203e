// A real MariaDB server for tests: the server of src/up/mariadb-server.ts (Debian's
// mariadb-server, initialised by mariadb-install-db, ready once `SELECT 1` answers over TCP) in a
// temporary directory on a free loopback port. What `dchat up` never does to it lives here: a
// crash and a restart, and another port when one was taken between probing and binding. stop()
// ends it by its pid, SIGTERM then SIGKILL, and removes the directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../../src/up/free-ports.js';
import { initialiseMariaDb, startMariaDb as startServer, type MariaDbServer } from '../../src/up/mariadb-server.js';
import { logTail, type ServiceProcess } from '../../src/up/service-process.js';
import { assertInstalled, killOnExit, stopService } from './test-services.js';

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

const host = '127.0.0.1';
const stopGraceMs = 10_000;
const portAttempts = 3;

/** Starts mariadbd on `port` and waits until it serves; the process is recorded as soon as it exists. */
function serve(dir: string, port: number, onLaunched: (service: ServiceProcess) => void): Promise<MariaDbServer> {
  return startServer(dir, port, (server) => onLaunched(killOnExit(server.process)));
}

/** Starts mariadbd on a free port and waits until it serves; 'port-taken' if another process won the port. */
async function serveOnFreePort(dir: string): Promise<MariaDbServer | 'port-taken'> {
  let launched: ServiceProcess | undefined;
  try {
    return await serve(dir, await freeLoopbackPort(), (service) => (launched = service));
  } catch (err) {
    if (launched) await stopService(launched, 'SIGTERM', stopGraceMs);
    if (/Address already in use|Can't start server: Bind/i.test(logTail(join(dir, 'error.log'), 40))) return 'port-taken';
    throw err;
  }
}

/** A fresh MariaDB server with an empty root password, on a free loopback port. */
export async function startMariaDb(): Promise<MariaDbHandle> {
  assertInstalled(['mariadb-server']);
  const dir = mkdtempSync(join(tmpdir(), 'dchat-mariadb-'));
  try {
    await initialiseMariaDb(dir);
    for (let attempt = 1; attempt <= portAttempts; attempt++) {
      const served = await serveOnFreePort(dir);
      if (served !== 'port-taken') return handle(served, dir);
    }
    throw new Error(`mariadbd found its port taken ${portAttempts} times in a row:\n${logTail(join(dir, 'error.log'))}`);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function handle(first: MariaDbServer, dir: string): MariaDbHandle {
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
      await serve(dir, port, (next) => {
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
