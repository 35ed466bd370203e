// Throws thousands of random, truncated and corrupted frames at a provider's port while a
// well-behaved caller keeps calling: every bad connection must be closed on its own, and the
// good caller must get every answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { dchat } from '../gen/proto.js';
import { waitFor } from '../../test/support/wait.js';
import { RpcChannel } from './rpc-channel.js';
import { RpcProvider } from './rpc-provider.js';
import { encodeFrame } from './rpc-frame.js';
import { StaticRegistry } from './static-registry.js';
import { createTestUserService } from './testing/test-user-service.js';

const { FrameKind } = dchat.rpc;

/** A deterministic generator, so that a failing run can be repeated with its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

function validFrame(next: () => number): Buffer {
  const args = dchat.GetUserRequest.encode({ id: Math.floor(next() * 1000) }).finish();
  const kinds = [FrameKind.REQUEST, FrameKind.CANCEL, FrameKind.AUTH, FrameKind.RESPONSE];
  const kind = kinds[Math.floor(next() * kinds.length)]!;
  const methods = ['GetUser', 'Login', 'Nope', ''];
  return Buffer.from(encodeFrame({ kind, callId: Math.floor(next() * 50), serviceName: next() < 0.8 ? 'UserServiceRpc' : 'X', methodName: methods[Math.floor(next() * methods.length)]!, deadlineMs: Math.floor(next() * 100) }, args));
}

/** One bad frame: random bytes, a truncated valid one, a valid length with a random body, or bit flips. */
function badFrame(next: () => number): Buffer {
  const shape = Math.floor(next() * 5);
  const frame = validFrame(next);
  switch (shape) {
    case 0:
      return randomBytes(Math.floor(next() * 64));
    case 1:
      return frame.subarray(0, Math.floor(next() * frame.length));
    case 2: {
      const body = randomBytes(Math.floor(next() * 48));
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32BE(body.length);
      return Buffer.concat([prefix, body]);
    }
    case 3: {
      const flipped = Buffer.from(frame);
      flipped[Math.floor(next() * flipped.length)]! ^= 1 << Math.floor(next() * 8);
      return flipped;
    }
    default:
      return frame;
  }
}

function sendAndClose(port: number, payload: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: '127.0.0.1', port }, () => {
      socket.end(payload);
    });
    socket.on('data', () => {});
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    // A peer that does not hang up (a stalled half frame) is abandoned from this side.
    socket.setTimeout(500, () => socket.destroy());
  });
}

test('a provider keeps serving a good caller while thousands of malformed frames hit its port', async () => {
  const provider = new RpcProvider();
  provider.notifyService(dchat.UserServiceRpc, createTestUserService('fuzzed'));
  const { port } = await provider.run();
  const channel = new RpcChannel({ registry: new StaticRegistry([provider.address()]) });
  const stub = channel.stub(dchat.UserServiceRpc);
  const next = random(Number(process.env['DCHAT_FUZZ_SEED'] ?? 20240601));
  let goodCalls = 0;
  let isFuzzing = true;
  const goodCaller = (async () => {
    while (isFuzzing) {
      const id = 1000 + goodCalls;
      const response = await stub.getUser({ id });
      assert.equal(response.user?.id, id);
      goodCalls++;
    }
  })();
  try {
    let frames = 0;
    const connections = 1500;
    for (let batch = 0; batch < connections; batch += 25) {
      await Promise.all(
        Array.from({ length: 25 }, () => {
          const count = 1 + Math.floor(next() * 4);
          const parts = Array.from({ length: count }, () => badFrame(next));
          frames += count;
          return sendAndClose(port, Buffer.concat(parts));
        }),
      );
    }
    isFuzzing = false;
    await goodCaller;
    assert.ok(frames >= 3000, `only ${frames} frames were thrown`);
    assert.ok(goodCalls > 0, 'the good caller made no call while the fuzzing ran');
    assert.equal((await stub.getUser({ id: 77 })).user?.id, 77);
    await waitFor(() => provider.connectionCount() === 1, 5000, 'the provider to close every fuzzing connection (only the good caller left)');
  } finally {
    isFuzzing = false;
    await goodCaller.catch(() => {});
    await channel.close();
    await provider.stop();
  }
});
