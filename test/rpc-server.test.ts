// `dchat rpc-server` as a real process hosting business services over SQLite, registered in a
// real ZooKeeper; a caller in this process finds it there and uses the services through stubs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { dchat } from '../src/gen/proto.js';
import { isDchatError } from '../src/base/dchat-error.js';
import { RpcChannel } from '../src/rpc/rpc-channel.js';
import { ZkRegistry } from '../src/rpc/zk-registry.js';
import { ZkSession } from '../src/zk/zk-session.js';
import { ClusterSecret } from '../src/base/cluster-secret.js';
import { spawnDchat, testClusterSecret, testZkDigests, fetchOps } from './support/dchat-process.js';
import { startZooKeeper, type ZkServerHandle } from './support/zookeeper.js';
import { runDchat } from './support/run-dchat.js';
import { waitFor } from './support/wait.js';

let zk: ZkServerHandle;
let session: ZkSession | undefined;
let child: ChildProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'dchat-rpc-server-'));

before(async () => {
  zk = await startZooKeeper();
});
after(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
  }
  await session?.close();
  await zk?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function startRpcServer(args: string[]): Promise<{ address: string; output: () => string; exited: Promise<number | null> }> {
  const proc = spawnDchat(['rpc-server', ...args]);
  child = proc;
  let output = '';
  proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const address = await waitFor(
    () => {
      if (hasExited) throw new Error(`dchat rpc-server exited before serving:\n${output}`);
      return /serving .* on (\S+:\d+)/.exec(output)?.[1];
    },
    20_000,
    'dchat rpc-server to print its serving line',
  );
  return { address, output: () => output, exited };
}

test('dchat rpc-server hosts the chosen services, registered in ZooKeeper, and callers use them through stubs', async () => {
  const server = await startRpcServer(['--services', 'user,friend', '--zk', zk.connectString, '--data-dir', dataDir, '--session-timeout-ms', '4000']);
  session = await ZkSession.connect({ connectString: zk.connectString, digests: testZkDigests });
  assert.deepEqual(await session.getChildren('/UserServiceRpc'), [server.address]);
  assert.deepEqual(await session.getChildren('/FriendServiceRpc'), [server.address]);
  assert.equal(await session.exists('/GroupServiceRpc'), undefined);

  const channel = new RpcChannel({ registry: new ZkRegistry(session), credentials: ClusterSecret.of([testClusterSecret], 'test') });
  try {
    const users = channel.stub(dchat.UserServiceRpc);
    const friends = channel.stub(dchat.FriendServiceRpc);
    const alice = (await users.register({ name: 'alice', password: 'alice-password' })).user;
    const bob = (await users.register({ name: 'bob', password: 'bob-password' })).user;
    assert.ok(alice?.id && bob?.id, 'register returned no user');
    const refused = await users.login({ id: alice.id, password: 'wrong' });
    assert.equal(refused.result?.code, dchat.Status.UNAUTHENTICATED);
    assert.equal((await users.login({ id: alice.id, password: 'alice-password' })).user?.name, 'alice');
    await friends.addFriend({ userId: alice.id, friendId: bob.id });
    await friends.addFriend({ userId: bob.id, friendId: alice.id });
    const list = await friends.getFriendList({ userId: alice.id });
    assert.deepEqual(list.friends.map((f) => f.name), ['bob']);

    const err = await channel.stub(dchat.GroupServiceRpc).getGroupList({ userId: alice.id }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isDchatError(err, 'DCHAT_RPC_UNAVAILABLE'), String(err));
    assert.match(err.message, /no provider of GroupServiceRpc is registered in ZooKeeper/);
  } finally {
    await channel.close();
  }

  child?.kill('SIGTERM');
  assert.equal(await server.exited, 0, server.output());
  // A clean stop leaves the registry at once instead of after the session timeout.
  assert.deepEqual(await session.getChildren('/UserServiceRpc'), []);
});

test('dchat rpc-server refuses an unknown service name and says which exist', async () => {
  const proc = spawnDchat(['rpc-server', '--services', 'user,chat']);
  let output = '';
  proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => proc.once('close', resolve));
  assert.notEqual(code, 0);
  assert.match(output, /unknown service chat; choose from user, friend, group, offline/);
});

test('dchat rpc-server never listens without the cluster secret, and says in one line how to get it', async () => {
  const run = await runDchat(['rpc-server', '--port', '0', '--data-dir', dataDir], { env: { ...process.env, DCHAT_CLUSTER_SECRET: '' } });
  assert.equal(run.status, 1);
  assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  assert.match(run.stderr, /dchat rpc-server needs the cluster secret: pass --cluster-secret-file FILE/);
});

test('dchat rpc-server --metrics counts the calls it serves by service, method and code, and is ready while registered', async () => {
  const metricsDir = mkdtempSync(join(tmpdir(), 'dchat-rpc-metrics-'));
  const server = await startRpcServer(['--services', 'user', '--zk', zk.connectString, '--data-dir', metricsDir, '--metrics', '127.0.0.1:0', '--session-timeout-ms', '4000']);
  const metricsUrl = /dchat rpc-server: metrics on (http:\/\/\S+)\/metrics/.exec(server.output())?.[1];
  assert.ok(metricsUrl, `the server printed its metrics address:\n${server.output()}`);
  session ??= await ZkSession.connect({ connectString: zk.connectString, digests: testZkDigests });
  const channel = new RpcChannel({ registry: new ZkRegistry(session), credentials: ClusterSecret.of([testClusterSecret], 'test') });
  try {
    const users = channel.stub(dchat.UserServiceRpc);
    await waitFor(async () => (await session!.getChildren('/UserServiceRpc')).includes(server.address), 5000, 'the server in /UserServiceRpc');
    const carol = (await users.register({ name: 'carol', password: 'carol-password' })).user;
    await users.login({ id: carol?.id ?? 0, password: 'carol-password' });
    await users.login({ id: carol?.id ?? 0, password: 'carol-password' });
    const text = await (await fetchOps(`${metricsUrl}/metrics`)).text();
    assert.match(text, /^dchat_rpc_server_calls_total\{service="UserServiceRpc",method="Register",code="OK"\} 1$/m);
    assert.match(text, /^dchat_rpc_server_calls_total\{service="UserServiceRpc",method="Login",code="OK"\} 2$/m);
    assert.match(text, /^dchat_rpc_server_duration_seconds_count\{service="UserServiceRpc",method="Login"\} 2$/m);
    assert.match(text, /^dchat_zk_connected 1$/m);
    assert.match(text, /^dchat_pending_deliveries 0$/m);
    assert.equal((await fetch(`${metricsUrl}/metrics`)).status, 401, 'the metrics address asks for the bearer token');
    assert.equal((await fetchOps(`${metricsUrl}/metrics`, 'not-the-token')).status, 401, 'a wrong token is refused');
    assert.equal((await fetch(`${metricsUrl}/healthz`)).status, 200, '/healthz answers anyone');
    const ready = await fetchOps(`${metricsUrl}/readyz`);
    assert.equal(ready.status, 200, await ready.text());
  } finally {
    await channel.close();
    child?.kill('SIGTERM');
    await server.exited;
    rmSync(metricsDir, { recursive: true, force: true });
  }
});
