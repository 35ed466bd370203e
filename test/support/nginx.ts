// Real nginx for tests: Debian's nginx-light with libnginx-mod-stream, configured and launched as
// src/up/nginx-front.ts does it (in the foreground, every file inside its prefix), in a temporary
// prefix. The caller writes the body of the `stream {}` block (listen ports from
// freeLoopbackPort); this module adds the rest, checks it with `nginx -t`, starts the master,
// reloads it with a new body and stops it by the pid it recorded.
//
// "Ready" and "reloaded" are read from nginx itself: the master logs "start worker process" at
// notice level once its listening sockets are open, and a reload is complete when every worker of
// the old configuration has exited (until then an old worker may still accept a connection).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../../src/up/free-ports.js';
import { launchNginx, nginxStreamConfig, type NginxFiles, type NginxWorkers } from '../../src/up/nginx-front.js';
import { childPids, signalQuietly } from '../../src/up/process-stopper.js';
import { assertRunning, type ServiceProcess } from '../../src/up/service-process.js';
import { clusterBinaries } from '../../src/up/system-packages.js';
import { assertInstalled, killOnExit, stopService } from './test-services.js';
import { waitFor } from './wait.js';

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

/** A loopback port that was free a moment ago (listen on 0, close). */
export { freeLoopbackPort };

function filesIn(prefix: string): NginxFiles {
  return { prefix, configPath: join(prefix, 'nginx.conf'), errorLog: join(prefix, 'error.log') };
}

/** One worker holding 1024 connections: what a test needs; a benchmark of many clients asks for more. */
const testWorkers: NginxWorkers = { processes: 1, connections: 1024 };

export function nginxConfigText(prefix: string, streamBody: string, workers: NginxWorkers = testWorkers): string {
  return nginxStreamConfig(filesIn(prefix), workers, streamBody);
}

/** Starts nginx; `commandPrefix` runs it elsewhere (`ip netns exec NS` for another host). */
export async function startNginx(streamBody: string, commandPrefix: readonly string[] = [], workers: NginxWorkers = testWorkers): Promise<NginxHandle> {
  assertInstalled(['nginx-light', 'libnginx-mod-stream']);
  const files = filesIn(mkdtempSync(join(tmpdir(), 'dchat-nginx-')));
  writeFileSync(files.configPath, nginxConfigText(files.prefix, streamBody, workers));
  checkConfig(files, commandPrefix);
  const service = killOnExit(launchNginx(files, commandPrefix));
  const handle = makeHandle(files, service, commandPrefix, workers);
  try {
    await waitFor(
      () => {
        assertRunning('nginx', service, files.errorLog);
        return childPids(service.pid).length > 0 && readLog(files).includes('start worker process');
      },
      readyTimeoutMs,
      `nginx in ${files.prefix} to start its worker process`,
    );
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}

function makeHandle(files: NginxFiles, service: ServiceProcess, commandPrefix: readonly string[], workers: NginxWorkers): NginxHandle {
  const { prefix, configPath } = files;
  const { pid } = service;
  let isStopped = false;
  return {
    prefix,
    configPath,
    pid,
    config: () => readFileSync(configPath, 'utf8'),
    errorLog: () => readLog(files),
    async reload(streamBody: string): Promise<void> {
      const oldWorkers = childPids(pid);
      writeFileSync(configPath, nginxConfigText(prefix, streamBody, workers));
      checkConfig(files, commandPrefix);
      process.kill(pid, 'SIGHUP');
      await waitFor(
        () => {
          const workers = childPids(pid);
          return workers.length > 0 && workers.every((w) => !oldWorkers.includes(w));
        },
        readyTimeoutMs,
        `nginx ${pid} to replace its workers ${oldWorkers.join(', ')} after a reload (are connections to them still open?)`,
      );
    },
    async stop(): Promise<void> {
      if (isStopped) return;
      isStopped = true;
      const workers = childPids(pid);
      await stopService(service, 'SIGTERM', stopTimeoutMs);
      for (const worker of workers) signalQuietly(worker, 'SIGKILL');
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/** Runs `nginx -t` (where nginx runs: it binds the listen addresses) so that a bad config fails with nginx's own words instead of a timeout. */
function checkConfig(files: NginxFiles, commandPrefix: readonly string[]): void {
  const [program, ...args] = [...commandPrefix, clusterBinaries.nginx, '-t', '-q', '-c', files.configPath, '-p', `${files.prefix}/`, '-e', files.errorLog];
  const result = spawnSync(program ?? clusterBinaries.nginx, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`nginx rejects ${files.configPath}: ${result.stderr.trim()}`);
}

function readLog(files: NginxFiles): string {
  try {
    return readFileSync(files.errorLog, 'utf8');
  } catch {
    return '';
  }
}

/**
 * A stream body for chat nodes behind nginx, round-robin as deploy/ has it: a node that refuses a
 * connection is left out for fail_timeout, and the connection tries the next one (up to `tries`).
 */
export function roundRobinStream(listenPort: number, nodes: readonly { host: string; port: number }[], tries: number): string {
  return [
    '  upstream dchat_nodes {',
    ...nodes.map((n) => `    server ${n.host}:${n.port} max_fails=1 fail_timeout=30s;`),
    '  }',
    '  server {',
    `    listen 127.0.0.1:${listenPort};`,
    '    proxy_pass dchat_nodes;',
    '    proxy_connect_timeout 1s;',
    '    proxy_next_upstream on;',
    `    proxy_next_upstream_tries ${tries};`,
    '  }',
  ].join('\n');
}
