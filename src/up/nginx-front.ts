// nginx in front of a local cluster: deploy/nginx-lb.conf's settings with every path inside the
// cluster directory, listening on one loopback port, its upstream included from the file that
// `dchat lb` writes. Ready once a worker accepts on that port.
import { connect } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertRunning, launchService, type ServiceProcess } from './service-process.js';
import { clusterBinaries } from './system-packages.js';
import { waitUntil } from './wait-until.js';

/** What nginx itself is started with: the prefix (-p), the config (-c) and the error log (-e). */
export interface NginxFiles {
  readonly prefix: string;
  readonly configPath: string;
  readonly errorLog: string;
}

export interface NginxLayout extends NginxFiles {
  readonly upstreamFile: string;
}

export interface NginxFront extends NginxLayout {
  readonly port: number;
  readonly process: ServiceProcess;
}

/** The main-context settings that size nginx. */
export interface NginxWorkers {
  readonly processes: number | 'auto';
  readonly connections: number;
  readonly rlimitNofile?: number;
}

/** Two descriptors per client against 20,000 files per process (deploy/README.md). */
const frontWorkers: NginxWorkers = { processes: 'auto', connections: 19_000, rlimitNofile: 20_000 };

const readyTimeoutMs = 15_000;

export function nginxLayout(dir: string): NginxLayout {
  return {
    prefix: dir,
    configPath: join(dir, 'nginx.conf'),
    upstreamFile: join(dir, 'dchat-upstream.conf'),
    errorLog: join(dir, 'error.log'),
  };
}

/** A whole nginx.conf around a `stream {}` body: in the foreground, its log and pid inside the prefix. */
export function nginxStreamConfig(files: NginxFiles, workers: NginxWorkers, streamBody: string): string {
  return [
    `load_module ${clusterBinaries.nginxStreamModule};`,
    'daemon off;',
    `error_log ${files.errorLog} notice;`,
    `pid ${join(files.prefix, 'nginx.pid')};`,
    `worker_processes ${workers.processes};`,
    ...(workers.rlimitNofile === undefined ? [] : [`worker_rlimit_nofile ${workers.rlimitNofile};`]),
    'events {',
    `    worker_connections ${workers.connections};`,
    '}',
    'stream {',
    streamBody,
    '}',
    '',
  ].join('\n');
}

/** What may differ between fronts: a benchmark wants a worker per few thousand clients and long idle times. */
export interface FrontTuning {
  readonly workerProcesses: number | 'auto';
  readonly proxyTimeout: string;
}

const upFrontTuning: FrontTuning = { workerProcesses: 'auto', proxyTimeout: '90s' };

export function writeNginxConfig(layout: NginxLayout, port: number, tuning: FrontTuning = upFrontTuning): void {
  mkdirSync(layout.prefix, { recursive: true });
  const streamBody = [
    `    include ${layout.upstreamFile};`,
    '    server {',
    `        listen 127.0.0.1:${port} reuseport;`,
    '        proxy_pass dchat;',
    '        proxy_connect_timeout 1s;',
    '        tcp_nodelay on;',
    `        proxy_timeout ${tuning.proxyTimeout};`,
    '    }',
  ].join('\n');
  const header = '# The front of a local dchat cluster; the upstream comes from `dchat lb` (see deploy/README.md).\n';
  writeFileSync(layout.configPath, header + nginxStreamConfig(layout, { ...frontWorkers, processes: tuning.workerProcesses }, streamBody));
}

/** Starts the nginx master on the config as it is; its output goes to PREFIX/nginx.out. */
export function launchNginx(files: NginxFiles, commandPrefix: readonly string[] = []): ServiceProcess {
  const args = ['-c', files.configPath, '-p', `${files.prefix}/`, '-e', files.errorLog];
  return launchService('nginx', clusterBinaries.nginx, args, join(files.prefix, 'nginx.out'), undefined, commandPrefix);
}

export async function startNginxFront(layout: NginxLayout, port: number, onLaunched: (front: NginxFront) => void): Promise<NginxFront> {
  const front = { ...layout, port, process: launchNginx(layout) };
  onLaunched(front);
  await waitUntil(
    async () => {
      assertRunning('nginx', front.process, layout.errorLog);
      return accepts(port);
    },
    readyTimeoutMs,
    `nginx to accept connections on 127.0.0.1:${port} (log: ${layout.errorLog})`,
  );
  return front;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
