// NodePeers over real loopback RPC: a node listed again in /dchat/nodes gets a fresh channel for
// the calls to come, while the calls already on the old one are answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../gen/proto.js';
import { RpcProvider } from '../rpc/rpc-provider.js';
import type { ServiceImpl } from '../rpc/service-impl.js';
import { OK } from '../services/result.js';
import { waitFor } from '../../test/support/wait.js';
import { NodePeers } from './node-peers.js';

/** ChatServiceRpc whose pushes wait until released, each answered as delivered to all. */
function heldChatService(): { service: ServiceImpl<dchat.ChatServiceRpc>; held: Array<() => void> } {
  const held: Array<() => void> = [];
  const service: ServiceImpl<dchat.ChatServiceRpc> = {
    push: (request) => new Promise((resolve) => held.push(() => resolve({ result: OK, deliveredIds: request.userIds ?? [] }))),
    kick: () => Promise.resolve({ result: OK }),
  };
  return { service, held };
}

test('a node listed again gets a fresh channel, and the pushes in flight on the old one are still answered', async () => {
  const { service, held } = heldChatService();
  const provider = new RpcProvider({});
  provider.notifyService(dchat.ChatServiceRpc, service);
  await provider.run();
  const peers = new NodePeers(undefined);
  try {
    const address = provider.address();
    const before = peers.stubFor(address);
    const inFlight = before.push({ userIds: [7], event: {} });
    await waitFor(() => held.length === 1, 5_000, 'the push to reach the node');
    peers.retire(address);
    const after = peers.stubFor(address);
    assert.notEqual(after, before, 'calls from now on go through a fresh channel');
    for (const release of held.splice(0)) release();
    assert.deepEqual((await inFlight).deliveredIds, [7], 'the push in flight when the node was listed again is answered');
    const next = after.push({ userIds: [8], event: {} });
    await waitFor(() => held.length === 1, 5_000, 'a push on the fresh channel to reach the node');
    for (const release of held.splice(0)) release();
    assert.deepEqual((await next).deliveredIds, [8]);
  } finally {
    for (const release of held.splice(0)) release();
    await peers.close();
    await provider.stop();
  }
});
