import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../gen/proto.js';
import { InProcessRegistry } from './in-process-registry.js';
import type { ProviderEntry } from './registry.js';
import { startInProcessRpc } from './in-process-rpc.js';
import { createTestUserService } from './testing/test-user-service.js';

function nextList(registry: InProcessRegistry, service: string, matches: (list: readonly ProviderEntry[]) => boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching provider list of ${service} was reported within 2000 ms`)), 2000);
    const stop = registry.watch(service, (list) => {
      if (!matches(list)) return;
      clearTimeout(timer);
      stop();
      resolve(list.map((p) => p.address));
    });
  });
}

test('the in-process registry reports registrations and unregistrations to its watchers', async () => {
  const registry = new InProcessRegistry();
  assert.deepEqual(await nextList(registry, 'UserServiceRpc', () => true), []);
  const registration = await registry.register('UserServiceRpc', '127.0.0.1:7001', { host: '127.0.0.1', port: 7001 });
  assert.deepEqual(await nextList(registry, 'UserServiceRpc', (l) => l.length === 1), ['127.0.0.1:7001']);
  await registration.unregister();
  assert.deepEqual(await nextList(registry, 'UserServiceRpc', (l) => l.length === 0), []);
});

test('the in-process registry never reports synchronously inside watch()', () => {
  const registry = new InProcessRegistry();
  let reported = false;
  registry.watch('UserServiceRpc', () => (reported = true));
  assert.equal(reported, false);
});

test('a standalone node calls its own services through a real provider found in the in-process registry', async () => {
  const rpc = await startInProcessRpc((provider) => provider.notifyService(dchat.UserServiceRpc, createTestUserService('standalone')));
  try {
    const response = await rpc.channel.stub(dchat.UserServiceRpc).getUser({ id: 3 });
    assert.equal(response.user?.name, 'standalone');
    assert.deepEqual(rpc.channel.providersOf('UserServiceRpc'), [rpc.provider.address()]);
    assert.equal(rpc.provider.connectionCount(), 1);
  } finally {
    await rpc.stop();
  }
});
