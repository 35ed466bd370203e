// RpcProvider and RpcChannel over real loopback sockets; providers that must die for real run
// as separate processes (testing/rpc-test-provider.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { dchat } from '../gen/proto.js';
import { waitFor } from '../../test/support/wait.js';
import { RpcChannel, type RpcChannelOptions } from './rpc-channel.js';
import { RpcController } from './rpc-controller.js';
import { RpcProvider } from './rpc-provider.js';
import { StaticRegistry } from './static-registry.js';
import { isDchatError } from '../base/dchat-error.js';
import { ClusterSecret } from '../base/cluster-secret.js';
import { createTestUserService, type TestUserService } from './testing/test-user-service.js';
import { spawnTestProvider } from './testing/spawn-test-provider.js';

interface Setup {
  provider: RpcProvider;
  service: TestUserService;
  channel: RpcChannel;
  address: string;
}

const secretOf = (text: string): ClusterSecret => ClusterSecret.of([text], 'test');

async function startProvider(options: { port?: number; credentials?: ClusterSecret | undefined; handshakeTimeoutMs?: number } = {}): Promise<{ provider: RpcProvider; service: TestUserService; address: string }> {
  const service = createTestUserService('in-process');
  const provider = new RpcProvider({ ...options });
  provider.notifyService(dchat.UserServiceRpc, service);
  await provider.run();
  return { provider, service, address: provider.address() };
}

async function withSetup(body: (s: Setup) => Promise<void>, channelOptions: Partial<RpcChannelOptions> = {}, providerSecret?: string): Promise<void> {
  const started = await startProvider({ credentials: providerSecret === undefined ? undefined : secretOf(providerSecret), handshakeTimeoutMs: 500 });
  const channel = new RpcChannel({ registry: new StaticRegistry([started.address]), ...channelOptions });
  try {
    await body({ ...started, channel });
  } finally {
    started.service.releaseAll();
    await channel.close();
    await started.provider.stop();
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('the call succeeded but was expected to fail');
}

function assertCode(err: unknown, code: string, text?: RegExp): void {
  assert.ok(isDchatError(err), `expected a DchatError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (text) assert.match(err.message, text);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('a stub call returns the response of the provider implementation', async () => {
  await withSetup(async ({ channel }) => {
    const response = await channel.stub(dchat.UserServiceRpc).getUser({ id: 42 });
    assert.equal(response.user?.id, 42);
    assert.equal(response.user?.name, 'in-process');
  });
});

test('a stub made from channel.rpcImpl calls the provider like the seed stub over RpcChannel', async () => {
  await withSetup(async ({ channel }) => {
    const stub = dchat.UserServiceRpc.create(channel.rpcImpl);
    const response = await stub.register({ name: 'alice', password: 'secret' });
    assert.equal(response.user?.name, 'alice');
  });
});

test('a call to a service the provider does not host fails with DCHAT_RPC_UNKNOWN_SERVICE naming the hosted ones', async () => {
  await withSetup(async ({ channel }) => {
    const err = await rejection(channel.stub(dchat.FriendServiceRpc).getFriendList({ userId: 1 }));
    assertCode(err, 'DCHAT_RPC_UNKNOWN_SERVICE', /no service "FriendServiceRpc" \(it hosts: UserServiceRpc\)/);
  });
});

test('a call to a method the service does not have fails with DCHAT_RPC_UNKNOWN_METHOD', async () => {
  await withSetup(async ({ channel }) => {
    const err = await new Promise<unknown>((resolve) => channel.call('UserServiceRpc', 'Delete', new Uint8Array(0), undefined, resolve));
    assertCode(err, 'DCHAT_RPC_UNKNOWN_METHOD', /no method "Delete" \(it has: Register, Login, Logout, GetUser\)/);
  });
});

test('an implementation that throws fails the call with DCHAT_RPC_INTERNAL and its message, and the connection serves on', async () => {
  await withSetup(async ({ channel }) => {
    const controller = new RpcController();
    const err = await rejection(channel.stub(dchat.UserServiceRpc, controller).getUser({ id: 404 }));
    assertCode(err, 'DCHAT_RPC_INTERNAL', /user row 404 is corrupt/);
    assert.equal(controller.failed(), true);
    assert.match(controller.errorText(), /user row 404 is corrupt/);
    assert.equal((await channel.stub(dchat.UserServiceRpc).getUser({ id: 5 })).user?.id, 5);
  });
});

test('a request whose bytes do not decode fails with DCHAT_RPC_BAD_REQUEST', async () => {
  await withSetup(async ({ channel }) => {
    const err = await new Promise<unknown>((resolve) => channel.call('UserServiceRpc', 'GetUser', Uint8Array.of(0x0a, 0x7f), undefined, resolve));
    assertCode(err, 'DCHAT_RPC_BAD_REQUEST', /GetUser: the request does not decode/);
  });
});

test('a call past its deadline fails with DCHAT_RPC_DEADLINE_EXCEEDED and the provider cancels its handler', async () => {
  await withSetup(async ({ channel, service, provider }) => {
    const controller = new RpcController(80);
    const startedMs = performance.now();
    const err = await rejection(channel.stub(dchat.UserServiceRpc, controller).login({ id: 7, password: 'hang' }));
    // The caller's own timer or the provider's (it got the remaining budget) may report it first.
    assertCode(err, 'DCHAT_RPC_DEADLINE_EXCEEDED', /Login (got no answer|did not finish) within (its|the caller's) deadline/);
    assert.ok(performance.now() - startedMs >= 75, 'the deadline fired early');
    await waitFor(() => !service.running.has(7) && provider.callsInFlight() === 0, 2000, 'the provider to drop the expired call');
  });
});

test('cancel fails the call at once and the provider handler sees the cancellation', async () => {
  await withSetup(async ({ channel, service }) => {
    const controller = new RpcController();
    const failure = rejection(channel.stub(dchat.UserServiceRpc, controller).login({ id: 8, password: 'hang' }));
    const context = await waitFor(() => service.running.get(8), 2000, 'the login call to reach the provider');
    controller.cancel();
    assertCode(await failure, 'DCHAT_RPC_CANCELLED');
    assert.equal(controller.isCanceled(), true);
    await waitFor(() => context.isCancelled(), 2000, 'the provider to cancel the handler');
  });
});

test('calls are pipelined on one connection and answered as they finish, out of order', async () => {
  await withSetup(async ({ channel, provider }) => {
    const stub = channel.stub(dchat.UserServiceRpc);
    const finished: number[] = [];
    await Promise.all(
      [1, 2, 3].map((id) => stub.login({ id, password: `sleep:${(4 - id) * 40}` }).then((r) => finished.push(r.user?.id ?? 0))),
    );
    assert.deepEqual(finished, [3, 2, 1]);
    assert.equal(provider.connectionCount(), 1);
  });
});

test('10,000 concurrent calls each get their own answer', async () => {
  await withSetup(async ({ channel }) => {
    const stub = channel.stub(dchat.UserServiceRpc);
    const ids = Array.from({ length: 10_000 }, (_, i) => i + 1000);
    const responses = await Promise.all(ids.map((id) => stub.getUser({ id })));
    assert.deepEqual(responses.map((r) => r.user?.id), ids);
  });
});

test('a provider killed mid-call fails the call promptly with DCHAT_RPC_UNAVAILABLE', async () => {
  const child = await spawnTestProvider();
  const channel = new RpcChannel({ registry: new StaticRegistry([child.address]), defaultDeadlineMs: 60_000 });
  try {
    const stub = channel.stub(dchat.UserServiceRpc);
    assert.equal((await stub.getUser({ id: 1 })).user?.name, child.address);
    const failure = rejection(stub.login({ id: 9, password: 'hang' }));
    const startedMs = performance.now();
    await child.kill();
    const err = await failure;
    assertCode(err, 'DCHAT_RPC_UNAVAILABLE', /closed the connection while UserServiceRpc.Login .* was in flight; it may or may not have run/);
    assert.ok(performance.now() - startedMs < 2000, `the failure took ${performance.now() - startedMs} ms`);
  } finally {
    await channel.close();
    await child.kill();
  }
});

test('the channel reconnects with backoff once the provider is back on its address', async () => {
  const first = await startProvider();
  const port = Number(first.address.split(':')[1]);
  const channel = new RpcChannel({ registry: new StaticRegistry([first.address]), backoffInitialMs: 20, backoffMaxMs: 100 });
  let second: Awaited<ReturnType<typeof startProvider>> | undefined;
  try {
    const stub = channel.stub(dchat.UserServiceRpc);
    assert.equal((await stub.getUser({ id: 1 })).user?.id, 1);
    await first.provider.stop();
    const err = await waitFor(() => rejection(stub.getUser({ id: 2 })).catch(() => undefined), 2000, 'calls to fail while the provider is down');
    assertCode(err, 'DCHAT_RPC_UNAVAILABLE');
    second = await startProvider({ port });
    const response = await waitFor(() => stub.getUser({ id: 3 }).catch(() => undefined), 3000, 'a call to succeed after the provider came back');
    assert.equal(response.user?.id, 3);
  } finally {
    await channel.close();
    await first.provider.stop();
    await second?.provider.stop();
  }
});

test('calls that could not reach one provider are routed to another that can', async () => {
  const dead = `127.0.0.1:${await freePort()}`;
  const live = await startProvider();
  const channel = new RpcChannel({ registry: new StaticRegistry([dead, live.address]) });
  try {
    const stub = channel.stub(dchat.UserServiceRpc);
    const responses = await Promise.all([1, 2, 3, 4].map((id) => stub.getUser({ id })));
    assert.deepEqual(responses.map((r) => r.user?.id), [1, 2, 3, 4]);
  } finally {
    await channel.close();
    await live.provider.stop();
  }
});

test('a call fails with DCHAT_RPC_UNAVAILABLE naming the cause when no provider can be reached', async () => {
  const dead = `127.0.0.1:${await freePort()}`;
  const channel = new RpcChannel({ registry: new StaticRegistry([dead]) });
  try {
    const err = await rejection(channel.stub(dchat.UserServiceRpc).getUser({ id: 1 }));
    assertCode(err, 'DCHAT_RPC_UNAVAILABLE', /refused the connection/);
  } finally {
    await channel.close();
  }
});

test('a provider with a cluster secret serves callers that hold the same secret, over TLS', async () => {
  await withSetup(
    async ({ channel }) => assert.equal((await channel.stub(dchat.UserServiceRpc).getUser({ id: 11 })).user?.id, 11),
    { credentials: secretOf('right horse battery staple') },
    'right horse battery staple',
  );
});

test('a provider with a cluster secret refuses a caller with a different secret', async () => {
  await withSetup(
    async ({ channel }) => {
      const err = await rejection(channel.stub(dchat.UserServiceRpc).getUser({ id: 12 }));
      assertCode(err, 'DCHAT_RPC_UNAVAILABLE', /refused the TLS handshake/);
    },
    { credentials: secretOf('wrong horse battery staple') },
    'right horse battery staple',
  );
});

test('a provider with a cluster secret refuses a caller without one, saying how to set it', async () => {
  await withSetup(
    async ({ channel }) => {
      const err = await rejection(channel.stub(dchat.UserServiceRpc).getUser({ id: 13 }));
      assertCode(err, 'DCHAT_RPC_UNAVAILABLE', /closed the connection before it was ready: it may require the cluster secret/);
    },
    {},
    'right horse battery staple',
  );
});

test('stop lets a call in flight finish and answers new calls with SHUTTING_DOWN', async () => {
  await withSetup(async ({ channel, provider }) => {
    const stub = channel.stub(dchat.UserServiceRpc);
    const slow = stub.login({ id: 21, password: 'sleep:150' });
    await waitFor(() => provider.callsInFlight() === 1, 2000, 'the slow call to reach the provider');
    const stopping = provider.stop();
    const refused = await rejection(stub.getUser({ id: 22 }));
    assertCode(refused, 'DCHAT_RPC_SHUTTING_DOWN');
    assert.equal((await slow).user?.id, 21);
    await stopping;
  });
});

test('a call refused by a stopping provider runs on another provider, and the stopping one gets no more calls', async () => {
  await withSetup(async ({ provider, service, address }) => {
    const other = await startProvider();
    const twoProviders = new RpcChannel({ registry: new StaticRegistry([address, other.address]) });
    try {
      const stub = twoProviders.stub(dchat.UserServiceRpc);
      // Both connections ready, so round-robin alternates between them.
      await Promise.all([stub.getUser({ id: 31 }), stub.getUser({ id: 32 })]);
      const slow = stub.login({ id: 33, password: 'sleep:200' });
      await waitFor(() => provider.callsInFlight() + other.provider.callsInFlight() === 1, 2000, 'the slow call to reach a provider');
      const stopping = provider.callsInFlight() === 1 ? provider : other.provider;
      const stopped = stopping.stop();
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => stub.getUser({ id: 40 + i })));
      assert.deepEqual(answers.map((a) => a.user?.id), [40, 41, 42, 43, 44, 45], 'every call answered by the provider that is not stopping');
      assert.equal((await slow).user?.id, 33);
      await stopped;
    } finally {
      other.service.releaseAll();
      service.releaseAll();
      await twoProviders.close();
      await other.provider.stop();
    }
  });
});
