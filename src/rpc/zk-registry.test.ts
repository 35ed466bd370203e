// The RPC framework on real ZooKeeper: providers in separate processes register ephemeral znodes,
// callers find them through the registry, and the provider list follows kills, additions, session
// expiry and a leader election.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../gen/proto.js';
import { waitFor } from '../../test/support/wait.js';
import { expireSession, startZooKeeper, startZooKeeperEnsemble, type ZkServerHandle } from '../../test/support/zookeeper.js';
import { ZkSession } from '../zk/zk-session.js';
import { RpcChannel } from './rpc-channel.js';
import { RpcProvider } from './rpc-provider.js';
import { ZkRegistry } from './zk-registry.js';
import { spawnTestProvider, type TestProviderProcess } from './testing/spawn-test-provider.js';
import { createTestUserService } from './testing/test-user-service.js';

const sessionTimeoutMs = 4000;

async function servedBy(channel: RpcChannel, calls: number): Promise<Set<string>> {
  const stub = channel.stub(dchat.UserServiceRpc);
  const names = await Promise.all(Array.from({ length: calls }, (_, i) => stub.getUser({ id: i + 1 }).then((r) => r.user?.name ?? '')));
  return new Set(names);
}

describe('RPC through ZooKeeper on one real server', () => {
  let zk: ZkServerHandle;
  const sessions: ZkSession[] = [];
  const channels: RpcChannel[] = [];
  const children: TestProviderProcess[] = [];

  const openSession = async (connectString = zk.connectString): Promise<ZkSession> => {
    const session = await ZkSession.connect({ connectString, sessionTimeoutMs });
    sessions.push(session);
    return session;
  };
  const openChannel = async (connectString = zk.connectString): Promise<RpcChannel> => {
    const channel = new RpcChannel({ registry: new ZkRegistry(await openSession(connectString)), backoffInitialMs: 50, backoffMaxMs: 200 });
    channels.push(channel);
    return channel;
  };
  const spawnProvider = async (connectString = zk.connectString): Promise<TestProviderProcess> => {
    const child = await spawnTestProvider(['--zk', connectString, '--session-timeout-ms', String(sessionTimeoutMs)]);
    children.push(child);
    return child;
  };

  before(async () => {
    zk = await startZooKeeper();
  });
  after(async () => {
    for (const channel of channels) await channel.close();
    for (const child of children) await child.kill();
    for (const session of sessions) await session.close();
    await zk?.stop();
  });

  test('a provider process registers an ephemeral znode and a caller in another process calls it through ZooKeeper, under a chroot', async () => {
    const chrooted = `${zk.connectString}/dchat-chroot`;
    const provider = await spawnProvider(chrooted);
    const observer = await openSession(chrooted);
    const found = await observer.getData(`/UserServiceRpc/${provider.address}`);
    assert.ok(found, `/UserServiceRpc/${provider.address} is missing`);
    assert.notEqual(found.stat.ephemeralOwner, '0', 'the provider znode is not ephemeral');
    const data = JSON.parse(found.data.toString()) as { host: string; port: number; pid: number; services: string[] };
    assert.equal(`${data.host}:${data.port}`, provider.address);
    assert.equal(data.pid, provider.pid);
    assert.deepEqual(data.services, ['UserServiceRpc']);
    assert.equal((await observer.exists('/UserServiceRpc'))?.ephemeralOwner, '0', '/UserServiceRpc must be persistent');

    const channel = await openChannel(chrooted);
    assert.deepEqual([...(await servedBy(channel, 5))], [provider.address]);
  });

  test('killing a provider removes its znode and callers stop calling it', async () => {
    const doomed = await spawnProvider();
    const survivor = await spawnProvider();
    const channel = await openChannel();
    await waitFor(async () => (await servedBy(channel, 20)).size === 2 || undefined, 10_000, 'both providers to take calls');
    await doomed.kill();
    const observer = await openSession();
    await waitFor(async () => (await observer.exists(`/UserServiceRpc/${doomed.address}`)) === undefined, 3 * sessionTimeoutMs, `the znode of the killed provider ${doomed.address} to disappear`);
    await waitFor(() => !channel.providersOf('UserServiceRpc').includes(doomed.address), 5000, 'the caller to drop the killed provider from its list');
    assert.deepEqual([...(await servedBy(channel, 20))], [survivor.address]);
    await survivor.kill();
  });

  test('a provider started at run time takes traffic without restarting the caller', async () => {
    const first = await spawnProvider();
    const channel = await openChannel();
    assert.deepEqual([...(await servedBy(channel, 4))], [first.address]);
    const added = await spawnProvider();
    await waitFor(async () => (await servedBy(channel, 10)).has(added.address), 10_000, `the new provider ${added.address} to take calls`);
    await first.kill();
    await added.kill();
  });

  test('after a forced session expiry the provider registers again and keeps taking calls', async () => {
    const providerSession = await openSession();
    const provider = new RpcProvider({ registry: new ZkRegistry(providerSession) });
    provider.notifyService(dchat.UserServiceRpc, createTestUserService('expiring'));
    await provider.run();
    try {
      const observer = await openSession();
      const path = `/UserServiceRpc/${provider.address()}`;
      const before = await observer.getData(path);
      assert.ok(before, `${path} is missing before the expiry`);
      const oldSession = providerSession.sessionId();
      await expireSession(zk.connectString, oldSession, providerSession.sessionPassword());
      const after = await waitFor(
        async () => {
          const found = await observer.getData(path);
          return found !== undefined && found.stat.ephemeralOwner !== before.stat.ephemeralOwner ? found : undefined;
        },
        15_000,
        `${path} to be registered again by a new session`,
      );
      assert.equal(after.stat.ephemeralOwner, providerSession.sessionId());
      assert.notEqual(providerSession.sessionId(), oldSession);
      const channel = await openChannel();
      assert.deepEqual([...(await servedBy(channel, 3))], ['expiring']);
    } finally {
      await provider.stop();
    }
  });
});

describe('RPC through a three-server ZooKeeper ensemble', () => {
  let zk: ZkServerHandle;
  let providerProcess: TestProviderProcess | undefined;
  let session: ZkSession | undefined;
  let channel: RpcChannel | undefined;

  before(async () => {
    zk = await startZooKeeperEnsemble(3);
  });
  after(async () => {
    await channel?.close();
    await providerProcess?.kill();
    await session?.close();
    await zk?.stop();
  });

  test('killing the ZooKeeper leader while calls flow loses no call that was reported successful', async () => {
    providerProcess = await spawnTestProvider(['--zk', zk.connectString, '--session-timeout-ms', '8000']);
    session = await ZkSession.connect({ connectString: zk.connectString, sessionTimeoutMs: 8000 });
    channel = new RpcChannel({ registry: new ZkRegistry(session) });
    const stub = channel.stub(dchat.UserServiceRpc);
    await channel.ready('UserServiceRpc');

    let isFlowing = true;
    let succeeded = 0;
    const failures: string[] = [];
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; isFlowing; i++) {
        const name = `w${w}-${i}`;
        try {
          const response = await stub.register({ name });
          assert.equal(response.user?.name, name);
          succeeded++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    await waitFor(() => succeeded > 200, 10_000, 'calls to flow before the leader is killed');
    const leader = await zk.leaderIndex();
    await zk.killServer(leader);
    const atKill = succeeded;
    await waitFor(async () => (await zk.leaderIndex()) !== leader, 15_000, 'a new ZooKeeper leader');
    await waitFor(() => succeeded > atKill + 500, 15_000, 'calls to go on after the leader was killed');
    isFlowing = false;
    await Promise.all(workers);

    assert.deepEqual(failures, []);
    // The provider numbers register calls as it runs them: one more call shows how many it ran.
    const probe = await stub.register({ name: 'probe' });
    assert.equal(probe.user?.id, succeeded + 1, `the provider ran ${(probe.user?.id ?? 1) - 1} calls, the callers were told ${succeeded} succeeded`);
    const observer = await ZkSession.connect({ connectString: zk.connectString, sessionTimeoutMs: 8000 });
    try {
      assert.ok(await observer.exists(`/UserServiceRpc/${providerProcess.address}`), 'the provider znode is gone after the leader election');
    } finally {
      await observer.close();
    }
    assert.deepEqual(channel.providersOf('UserServiceRpc'), [providerProcess.address]);
  });
});
