// `dchat ring --zk`: the ring kept in real ZooKeeper under /dchat/ring, shared by operators.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZkSession } from '../src/zk/zk-session.js';
import { testZkDigests } from './support/dchat-process.js';
import { runDchat } from './support/run-dchat.js';
import { startZooKeeper, type ZkServerHandle } from './support/zookeeper.js';

let zk: ZkServerHandle | undefined;
let dir = '';
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dchat-ring-zk-'));
  zk = await startZooKeeper();
});
after(async () => {
  await zk?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function ring(...args: string[]): ReturnType<typeof runDchat> {
  assert.ok(zk);
  return runDchat(['ring', '--zk', zk.connectString, ...args]);
}

test('dchat ring --zk stores each server as /dchat/ring/HOST:PORT holding its virtual-node count', async () => {
  assert.equal((await ring('add', '10.0.0.1', '6000', '150')).status, 0);
  assert.equal((await ring('add', '10.0.0.2', '6000', '320')).status, 0);
  assert.ok(zk);
  const session = await ZkSession.connect({ connectString: zk.connectString, digests: testZkDigests });
  try {
    assert.deepEqual(await session.getChildren('/dchat/ring'), ['10.0.0.1:6000', '10.0.0.2:6000']);
    assert.equal((await session.getData('/dchat/ring/10.0.0.1:6000'))?.data.toString(), '150');
  } finally {
    await session.close();
  }
});

test('dchat ring --zk shows one operator the servers another added, and errors on duplicates and unknowns', async () => {
  const listed = await ring('getVirNum', '--json');
  assert.equal(listed.status, 0, listed.stderr);
  const servers = (JSON.parse(listed.stdout) as { servers: { server: string; points: number }[] }).servers;
  assert.deepEqual(servers.map((s) => [s.server, s.points]), [['10.0.0.1:6000', 150], ['10.0.0.2:6000', 320]]);
  const duplicate = await ring('add', '10.0.0.1', '6000');
  assert.equal(duplicate.status, 1);
  assert.match(duplicate.stderr, /10\.0\.0\.1:6000 is already on the ring/);
  const unknown = await ring('del', '10.0.0.7', '6000');
  assert.match(unknown.stderr, /10\.0\.0\.7:6000 is not on the ring/);
});

test('dchat ring --zk answers get exactly as a local-file ring with the same servers does', async () => {
  const state = join(dir, 'same.json');
  await runDchat(['ring', '--state', state, 'add', '10.0.0.1', '6000', '150']);
  await runDchat(['ring', '--state', state, 'add', '10.0.0.2', '6000', '320']);
  const input = Array.from({ length: 50 }, (_, i) => `get 198.51.100.${i}\n`).join('');
  const zkShell = await runDchat(['ring', '--zk', zk?.connectString ?? '', '--json'], { input });
  const fileShell = await runDchat(['ring', '--state', state, '--json'], { input });
  assert.equal(zkShell.status, 0, zkShell.stdout + zkShell.stderr);
  assert.equal(zkShell.stdout, fileShell.stdout);
  assert.equal(zkShell.stdout.trim().split('\n').length, 50);
});

test('dchat ring --zk from-nginx replaces the shared ring in config order', async () => {
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, 'upstream chat { hash $remote_addr consistent; server 10.0.0.9:6000; server 10.0.0.3:6000 weight=3; }\n');
  assert.equal((await ring('from-nginx', conf)).status, 0);
  const servers = (JSON.parse((await ring('getVirNum', '--json')).stdout) as { servers: { server: string; points: number }[] }).servers;
  assert.deepEqual(servers.map((s) => [s.server, s.points]), [['10.0.0.9:6000', 160], ['10.0.0.3:6000', 480]]);
});

test('dchat ring --zk fails with the ZooKeeper error when nothing serves the address', async () => {
  const run = await runDchat(['ring', '--zk', '127.0.0.1:1', 'getVirNum']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^error: .*127\.0\.0\.1:1/m);
});
