// The nginx configs in deploy/ are the ones an operator copies, so they are checked by real
// nginx: `nginx -t` accepts each whole file, and the `stream {}` block of each, pointed at real
// TCP backends, balances the way deploy/README.md says.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './support/run-dchat.js';
import { freeLoopbackPort, startNginx, type NginxHandle } from './support/nginx.js';
import { startTcpBackend, whichBackend, type TcpBackend } from './support/tcp-backend.js';

const deployDir = join(repoRoot, 'deploy');
let backends: TcpBackend[] = [];
let dir = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dchat-deploy-'));
  backends = await Promise.all([1, 2].map(() => startTcpBackend()));
});

after(async () => {
  await Promise.all(backends.map((b) => b.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function nginxTest(configPath: string): { status: number | null; output: string } {
  const result = spawnSync('/usr/sbin/nginx', ['-t', '-c', configPath, '-p', `${dir}/`, '-e', join(dir, 'error.log')], { encoding: 'utf8' });
  if (result.error) throw new Error(`nginx-light and libnginx-mod-stream are not installed: run \`bash scripts/install-system-deps.sh\` (${result.error.message})`);
  return { status: result.status, output: result.stderr };
}

/** The body of the file's `stream {}` block, listening on `port` and proxying to the test's backends. */
function streamBodyOf(file: string, port: number): string {
  const text = readFileSync(join(deployDir, file), 'utf8');
  const start = text.indexOf('stream {');
  assert.ok(start >= 0, `${file} has a stream block`);
  const body = text.slice(start + 'stream {'.length, text.lastIndexOf('}'));
  assert.match(body, /listen 8000 reuseport;/);
  return body
    .replace('listen 8000 reuseport;', `listen 127.0.0.1:${port};`)
    .replace('127.0.0.1:6000', backends[0]?.address ?? '')
    .replace('127.0.0.1:6002', backends[1]?.address ?? '');
}

async function withNginx(file: string, run: (port: number, nginx: NginxHandle) => Promise<void>): Promise<void> {
  const port = await freeLoopbackPort();
  const nginx = await startNginx(streamBodyOf(file, port));
  try {
    await run(port, nginx);
  } finally {
    await nginx.stop();
  }
}

test('nginx -t accepts deploy/nginx-round-robin.conf and deploy/nginx-hash.conf as they are', () => {
  for (const file of ['nginx-round-robin.conf', 'nginx-hash.conf']) {
    const result = nginxTest(join(deployDir, file));
    assert.equal(result.status, 0, `${file}: ${result.output}`);
  }
});

test('nginx -t accepts deploy/nginx-lb.conf with the upstream file dchat lb writes beside it', () => {
  copyFileSync(join(deployDir, 'nginx-lb.conf'), join(dir, 'nginx-lb.conf'));
  copyFileSync(join(deployDir, 'dchat-upstream.conf.example'), join(dir, 'dchat-upstream.conf'));
  const result = nginxTest(join(dir, 'nginx-lb.conf'));
  assert.equal(result.status, 0, result.output);
});

test('every deploy config gives each worker 20,000 files and 19,000 connections: two descriptors per client', () => {
  for (const file of ['nginx-round-robin.conf', 'nginx-hash.conf', 'nginx-lb.conf']) {
    const text = readFileSync(join(deployDir, file), 'utf8');
    assert.match(text, /^worker_rlimit_nofile 20000;$/m, file);
    assert.match(text, /^ {4}worker_connections 19000;$/m, file);
    assert.match(text, /proxy_connect_timeout 1s;[\s\S]*tcp_nodelay on;[\s\S]*proxy_timeout 90s;/, file);
  }
});

test('the round-robin stream block sends clients to the chat nodes in turn', async () => {
  await withNginx('nginx-round-robin.conf', async (port) => {
    const reached: string[] = [];
    for (let i = 0; i < 6; i++) reached.push(await whichBackend(port, '127.0.0.1'));
    const [a, b] = [reached[0], reached[1]];
    assert.notEqual(a, b, 'two clients in a row reach two nodes');
    assert.deepEqual(reached, [a, b, a, b, a, b]);
  });
});

test('the round-robin stream block sends every client to the live node when the other is down', async () => {
  const down = await startTcpBackend();
  const downAddress = down.address;
  await down.stop();
  const live = backends[0];
  assert.ok(live);
  const port = await freeLoopbackPort();
  const body = streamBodyOf('nginx-round-robin.conf', port).replace(backends[1]?.address ?? '', downAddress);
  const nginx = await startNginx(body);
  try {
    for (let i = 0; i < 6; i++) assert.equal(await whichBackend(port, '127.0.0.1'), live.address);
  } finally {
    await nginx.stop();
  }
});

test('the hash stream block sends each client address to the same node every time, and uses both nodes', async () => {
  await withNginx('nginx-hash.conf', async (port) => {
    const clients = Array.from({ length: 40 }, (_, i) => `127.0.${i % 5}.${i + 10}`);
    const first = new Map<string, string>();
    for (const client of clients) first.set(client, await whichBackend(port, client));
    for (const client of clients) assert.equal(await whichBackend(port, client), first.get(client), `client ${client} moved`);
    assert.deepEqual([...new Set(first.values())].sort(), backends.map((b) => b.address).sort());
  });
});
