// nginx in front of a local cluster: deploy/nginx-lb.conf's settings with every path inside the
// cluster directory, listening on one loopback port, its upstream included from the file that
// `dchat lb` writes. Ready once a worker accepts on that port.
import { connect } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertRunning, launchService, type ServiceProcess } from './service-process.js';
import { clusterBinaries } from './system-packages.js';
import { waitUntil } from './wait-until.js';

export interface NginxLayout {
  readonly prefix: string;
  readonly configPath: string;
  readonly upstreamFile: string;
  readonly errorLog: string;
}

export interface NginxFront extends NginxLayout {
  readonly port: number;
  readonly process: ServiceProcess;
}

const readyTimeoutMs = 15_000;

export function nginxLayout(dir: string): NginxLayout {
  return {
    prefix: dir,
    configPath: join(dir, 'nginx.conf'),
    upstreamFile: join(dir, 'dchat-upstream.conf'),
    errorLog: join(dir, 'error.log'),
  };
}

/** The config: two descriptors per client against 20,000 files per process (deploy/README.md). */
export function writeNginxConfig(layout: NginxLayout, port: number): void {
  mkdirSync(layout.prefix, { recursive: true });
  const text = [
    '# Written by `dchat up --cluster`; the upstream comes from `dchat lb` (see deploy/README.md).',
    `load_module ${clusterBinaries.nginxStreamModule};`,
    'daemon off;',
    `error_log ${layout.errorLog} notice;`,
    `pid ${join(layout.prefix, 'nginx.pid')};`,
    'worker_processes auto;',
    'worker_rlimit_nofile 20000;',
    'events {',
    '    worker_connections 19000;',
    '}',
    'stream {',
    `    include ${layout.upstreamFile};`,
    '    server {',
    `        listen 127.0.0.1:${port} reuseport;`,
    '        proxy_pass dchat;',
    '        proxy_connect_timeout 1s;',
    '        tcp_nodelay on;',
    '        proxy_timeout 90s;',
    '    }',
    '}',
    '',
  ].join('\n');
  writeFileSync(layout.configPath, text);
}

export async function startNginxFront(layout: NginxLayout, port: number, onLaunched: (front: NginxFront) => void): Promise<NginxFront> {
  const args = ['-c', layout.configPath, '-p', `${layout.prefix}/`, '-e', layout.errorLog];
  const front = { ...layout, port, process: launchService('nginx', clusterBinaries.nginx, args, join(layout.prefix, 'nginx.out')) };
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
