// The proof that `dchat ring` predicts nginx: real nginx with a `hash $remote_addr consistent`
// stream upstream of real TCP backends, clients from many loopback source addresses, and for
// every client the backend it reached must be the one `dchat ring get` names, before and after
// the upstream changes and nginx reloads.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, startNginx, type NginxHandle } from './support/nginx.js';
import { runDchat } from './support/run-dchat.js';
import { startTcpBackend, whichBackend, type TcpBackend } from './support/tcp-backend.js';

const weights = [1, 2, 1, 3, 1];

/** 240 client addresses: 127.0.0.2-201 and a few from other /24s of the loopback /8. */
const clients = [
  ...Array.from({ length: 200 }, (_, i) => `127.0.0.${i + 2}`),
  ...Array.from({ length: 40 }, (_, i) => `127.${(i * 37) % 256}.${(i * 11) % 256}.${(i % 250) + 3}`),
];

let backends: TcpBackend[] = [];
let nginx: NginxHandle | undefined;
let listenPort = 0;
let dir = '';

function streamBody(servers: { backend: TcpBackend; weight: number; isDown?: boolean }[]): string {
  const lines = servers.map(({ backend, weight, isDown }) => `        server ${backend.address} weight=${weight}${isDown ? ' down' : ''};`);
  return [
    '    upstream chat {',
    '        hash $remote_addr consistent;',
    ...lines,
    '    }',
    '    server {',
    `        listen 127.0.0.1:${listenPort};`,
    '        proxy_connect_timeout 2s;',
    '        proxy_pass chat;',
    '    }',
  ].join('\n');
}

/** What `dchat ring` predicts for every client, after loading nginx's running config. */
async function predictions(): Promise<Map<string, string>> {
  assert.ok(nginx);
  const state = join(dir, 'ring.json');
  const loaded = await runDchat(['ring', 'from-nginx', nginx.configPath, '--state', state]);
  assert.equal(loaded.status, 0, loaded.stderr);
  const shell = await runDchat(['ring', '--state', state, '--json'], { input: clients.map((c) => `get ${c} 40000\n`).join('') });
  assert.equal(shell.status, 0, shell.stdout + shell.stderr);
  const answers = shell.stdout.trim().split('\n').map((line) => JSON.parse(line) as { ok: boolean; client: string; server: string });
  assert.equal(answers.length, clients.length);
  return new Map(answers.map((a) => [a.client, a.server]));
}

/** Where nginx sends every client, a few connections at a time. */
async function observed(): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  for (let i = 0; i < clients.length; i += 8) {
    const batch = clients.slice(i, i + 8);
    const reached = await Promise.all(batch.map((client) => whichBackend(listenPort, client)));
    batch.forEach((client, j) => seen.set(client, reached[j] as string));
  }
  return seen;
}

async function assertRingPredictsNginx(expectedBackends: TcpBackend[]): Promise<void> {
  const predicted = await predictions();
  const actual = await observed();
  const wrong = clients.filter((c) => predicted.get(c) !== actual.get(c)).map((c) => `${c}: ring ${predicted.get(c)}, nginx ${actual.get(c)}`);
  assert.deepEqual(wrong, [], `the ring mispredicted ${wrong.length} of ${clients.length} clients`);
  const reached = new Set(actual.values());
  assert.deepEqual([...reached].sort(), expectedBackends.map((b) => b.address).sort(), 'every backend in the upstream got clients');
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dchat-ring-nginx-'));
  backends = await Promise.all(weights.map(() => startTcpBackend()));
  listenPort = await freeLoopbackPort();
  nginx = await startNginx(streamBody(backends.map((backend, i) => ({ backend, weight: weights[i] as number }))));
});

after(async () => {
  await nginx?.stop();
  await Promise.all(backends.map((b) => b.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('dchat ring get predicts the backend nginx hash $remote_addr consistent picks for every client', async () => {
  await assertRingPredictsNginx(backends);
});

test('dchat ring get still predicts nginx after a backend is removed and nginx reloads', async () => {
  assert.ok(nginx);
  const remaining = backends.filter((_, i) => i !== 1);
  await nginx.reload(streamBody(remaining.map((backend) => ({ backend, weight: weights[backends.indexOf(backend)] as number }))));
  await assertRingPredictsNginx(remaining);
});

test('dchat ring get predicts nginx when a server is marked down, by leaving it off the ring', async () => {
  assert.ok(nginx);
  const servers = backends.map((backend, i) => ({ backend, weight: weights[i] as number, isDown: i === 3 }));
  await nginx.reload(streamBody(servers));
  await assertRingPredictsNginx(backends.filter((_, i) => i !== 3));
});
