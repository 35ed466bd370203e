// Real nginx for tests: Debian's nginx-light with libnginx-mod-stream, started in the foreground
// from a config in a temporary prefix, as DESIGN.md shows. The caller writes the body of the
// `stream {}` block (listen ports from freeLoopbackPort); this module adds the rest, starts the
// master, reloads it with a new body and stops it by the pid it recorded.
//
// "Ready" and "reloaded" are read from nginx itself: the master logs "start worker process" at
// notice level once its listening sockets are open, and a reload is complete when every worker of
// the old configuration has exited (until then an old worker may still accept a connection).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait.js';

const nginxBinary = '/usr/sbin/nginx';
const streamModule = '/usr/lib/nginx/modules/ngx_stream_module.so';
const installHint = 'nginx-light and libnginx-mod-stream are not installed: run `bash scripts/install-system-deps.sh`';
const readyTimeoutMs = 10_000;
const stopTimeoutMs = 5_000;

export interface NginxHandle {
  readonly prefix: string;
  readonly configPath: string;
  readonly pid: number;
  /** The full config text nginx runs now. */
  config(): string;
  /** Replaces the stream body, checks it with `nginx -t`, reloads, and waits for the old workers to exit. */
  reload(streamBody: string): Promise<void>;
  /** Fast shutdown (SIGTERM), SIGKILL after 5 s; removes the prefix. Safe to call twice. */
  stop(): Promise<void>;
  errorLog(): string;
}

const livePids = new Set<number>();
process.on('exit', () => {
  for (const pid of livePids) killQuietly(pid, 'SIGKILL');
});

/** A loopback port that was free a moment ago (listen on 0, close). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function nginxConfigText(prefix: string, streamBody: string): string {
  return [
    `load_module ${streamModule};`,
    'daemon off;',
    'worker_processes 1;',
    `error_log ${join(prefix, 'error.log')} notice;`,
    `pid ${join(prefix, 'nginx.pid')};`,
    'events { worker_connections 1024; }',
    'stream {',
    streamBody,
    '}',
    '',
  ].join('\n');
}

export async function startNginx(streamBody: string): Promise<NginxHandle> {
  if (!existsSync(nginxBinary) || !existsSync(streamModule)) throw new Error(installHint);
  const prefix = mkdtempSync(join(tmpdir(), 'dchat-nginx-'));
  const configPath = join(prefix, 'nginx.conf');
  writeFileSync(configPath, nginxConfigText(prefix, streamBody));
  checkConfig(prefix, configPath);
  const child = spawn(nginxBinary, ['-c', configPath, '-p', `${prefix}/`, '-e', join(prefix, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`nginx did not start: ${stderr}`);
  livePids.add(pid);
  const handle = makeHandle(prefix, configPath, child, pid);
  try {
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`nginx exited with code ${child.exitCode} while starting: ${stderr}${readLog(prefix)}`);
        return workerPids(pid).length > 0 && readLog(prefix).includes('start worker process');
      },
      readyTimeoutMs,
      `nginx in ${prefix} to start its worker process`,
    );
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}

function makeHandle(prefix: string, configPath: string, child: ChildProcess, pid: number): NginxHandle {
  let isStopped = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    prefix,
    configPath,
    pid,
    config: () => readFileSync(configPath, 'utf8'),
    errorLog: () => readLog(prefix),
    async reload(streamBody: string): Promise<void> {
      const oldWorkers = workerPids(pid);
      writeFileSync(configPath, nginxConfigText(prefix, streamBody));
      checkConfig(prefix, configPath);
      process.kill(pid, 'SIGHUP');
      await waitFor(
        () => {
          const workers = workerPids(pid);
          return workers.length > 0 && workers.every((w) => !oldWorkers.includes(w));
        },
        readyTimeoutMs,
        `nginx ${pid} to replace its workers ${oldWorkers.join(', ')} after a reload (are connections to them still open?)`,
      );
    },
    async stop(): Promise<void> {
      if (isStopped) return;
      isStopped = true;
      const workers = workerPids(pid);
      if (child.exitCode === null && child.signalCode === null) {
        killQuietly(pid, 'SIGTERM');
        const timer = setTimeout(() => killQuietly(pid, 'SIGKILL'), stopTimeoutMs);
        await exited;
        clearTimeout(timer);
      }
      for (const worker of workers) killQuietly(worker, 'SIGKILL');
      livePids.delete(pid);
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/** Runs `nginx -t` so that a bad config fails with nginx's own words instead of a timeout. */
function checkConfig(prefix: string, configPath: string): void {
  const result = spawnSync(nginxBinary, ['-t', '-q', '-c', configPath, '-p', `${prefix}/`, '-e', join(prefix, 'error.log')], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`nginx rejects ${configPath}: ${result.stderr.trim()}`);
}

/** The worker processes of an nginx master, from /proc. */
function workerPids(masterPid: number): number[] {
  try {
    return readdirSync(`/proc/${masterPid}/task`).flatMap((task) =>
      readFileSync(`/proc/${masterPid}/task/${task}/children`, 'utf8')
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}

function readLog(prefix: string): string {
  try {
    return readFileSync(join(prefix, 'error.log'), 'utf8');
  } catch {
    return '';
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
