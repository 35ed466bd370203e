// How a handler's failure reaches the caller: a backend that is down (any DchatError whose code
// ends in _UNAVAILABLE) or full (DCHAT_STORE_FULL) as DCHAT_RPC_UNAVAILABLE with the cause's code
// and message, anything else as DCHAT_RPC_INTERNAL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DchatError, isDchatError } from '../base/dchat-error.js';
import { dchat } from '../gen/proto.js';
import { RpcChannel } from './rpc-channel.js';
import { RpcProvider } from './rpc-provider.js';
import { StaticRegistry } from './static-registry.js';
import { createTestUserService } from './testing/test-user-service.js';

async function failureOf(thrown: unknown): Promise<unknown> {
  const service = { ...createTestUserService('errors'), getUser: () => Promise.reject(thrown) };
  const provider = new RpcProvider({});
  provider.notifyService(dchat.UserServiceRpc, service);
  await provider.run();
  const channel = new RpcChannel({ registry: new StaticRegistry([provider.address()]) });
  try {
    await channel.stub(dchat.UserServiceRpc).getUser({ id: 1 });
  } catch (err) {
    return err;
  } finally {
    await channel.close();
    await provider.stop();
  }
  return assert.fail('getUser succeeded but its handler threw');
}

test('a handler whose database is unavailable fails the call with DCHAT_RPC_UNAVAILABLE carrying the cause', async () => {
  const err = await failureOf(new DchatError('DCHAT_STORE_UNAVAILABLE', 'MySQL at 127.0.0.1:3306 refused the connection'));
  assert.ok(isDchatError(err, 'DCHAT_RPC_UNAVAILABLE'), String(err));
  assert.match(err.message, /UserServiceRpc\.GetUser on provider .*DCHAT_STORE_UNAVAILABLE: MySQL at 127\.0\.0\.1:3306 refused the connection/);
});

test('a handler whose database\'s disk is full fails the call with DCHAT_RPC_UNAVAILABLE: it may succeed once space is freed', async () => {
  const err = await failureOf(new DchatError('DCHAT_STORE_FULL', "getUser on MySQL at 127.0.0.1:3306 failed (ER_RECORD_FILE_FULL: The table 'user' is full)"));
  assert.ok(isDchatError(err, 'DCHAT_RPC_UNAVAILABLE'), String(err));
  assert.match(err.message, /DCHAT_STORE_FULL: getUser on MySQL .*ER_RECORD_FILE_FULL/);
});

test('a handler that fails otherwise fails the call with DCHAT_RPC_INTERNAL', async () => {
  const err = await failureOf(new DchatError('DCHAT_STORE_FAILED', 'a table is missing'));
  assert.ok(isDchatError(err, 'DCHAT_RPC_INTERNAL'), String(err));
  const plain = await failureOf(new Error('user row 1 is corrupt'));
  assert.ok(isDchatError(plain, 'DCHAT_RPC_INTERNAL'), String(plain));
});
