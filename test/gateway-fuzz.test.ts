// The gateway against hostile bytes: random frames, lying lengths, truncated frames, garbage
// that happens to decode. Afterwards the node must still serve a well-behaved client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { dchat } from '../src/gen/proto.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';

/** A small deterministic generator (mulberry32), so a failing run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function frame(body: Uint8Array, claimedLength = body.length): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32BE(claimedLength >>> 0, 0);
  out.set(body, 4);
  return out;
}

/** Opens a socket, writes the chunks, and resolves when the node closes it or we give up on it. */
function throwAt(port: number, chunks: Buffer[], closeAfterWrite: boolean): Promise<Buffer> {
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    const socket: Socket = connect({ host: '127.0.0.1', port }, () => {
      for (const chunk of chunks) socket.write(chunk);
      if (closeAfterWrite) socket.end();
    });
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(received)));
    // A frame left incomplete keeps the connection open (the node waits for the rest, up to its
    // idle timeout); the test does not wait for that.
    socket.setTimeout(2000, () => socket.destroy());
  });
}

describe('gateway fuzzing', () => {
  let server: DchatProcess;
  before(async () => {
    server = await startDchatServer(['--idle-timeout-ms', '3000']);
  });
  after(async () => {
    await server?.stop();
  });

  test('a frame longer than the limit before login is refused with BAD_FRAME before its body arrives, and the connection closes', async () => {
    const reply = await throwAt(server.port, [frame(new Uint8Array(0), 0x7fffffff)], false);
    assert.ok(reply.length > 4, 'the node answers before closing');
    const decoded = dchat.client.ServerFrame.decode(reply.subarray(4, 4 + reply.readUInt32BE(0)));
    assert.equal(decoded.response?.status, dchat.Status.BAD_FRAME);
    assert.match(decoded.response?.errorText ?? '', /2147483647 > maxLoginFrameBytes \(before login\) 4096/);
  });

  test('bytes that are not a Request get BAD_FRAME and a closed connection', async () => {
    const reply = await throwAt(server.port, [frame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))], false);
    const decoded = dchat.client.ServerFrame.decode(reply.subarray(4, 4 + reply.readUInt32BE(0)));
    assert.equal(decoded.response?.status, dchat.Status.BAD_FRAME);
    assert.match(decoded.response?.errorText ?? '', /not a dchat\.client\.Request/);
  });

  test('thousands of random and truncated frames leave the node serving well-behaved clients', async () => {
    const random = prng(20261125);
    const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
    let frames = 0;
    const batches: Promise<Buffer>[] = [];
    for (let conn = 0; conn < 300; conn++) {
      const chunks: Buffer[] = [];
      const count = 1 + Math.floor(random() * 15);
      for (let i = 0; i < count; i++, frames++) {
        const body = bytes(Math.floor(random() * 64));
        const kind = random();
        if (kind < 0.4) chunks.push(frame(body)); // random body, honest length
        else if (kind < 0.6) chunks.push(frame(body, body.length + 1 + Math.floor(random() * 100))); // length that lies: truncated
        else if (kind < 0.7) chunks.push(frame(body, Math.floor(random() * 0xffffffff))); // absurd length
        else if (kind < 0.85) chunks.push(frame(body).subarray(0, Math.floor(random() * (body.length + 4)))); // cut anywhere
        else chunks.push(frame(dchat.client.Request.encode({ requestId: i, chat: { toId: 1 + Math.floor(random() * 5), text: body.toString('latin1') } }).finish()));
      }
      batches.push(throwAt(server.port, chunks, random() < 0.5));
      if (batches.length >= 50) await Promise.all(batches.splice(0));
    }
    await Promise.all(batches);
    assert.ok(frames >= 2000, `threw ${frames} frames`);

    const alice = await ChatUser.registered('fuzz-alice', server.host, server.port);
    const bob = await ChatUser.registered('fuzz-bob', server.host, server.port);
    await alice.login();
    await bob.login();
    await alice.client.call({ chat: { toId: bob.id, text: 'still alive' } });
    await bob.waitForMessage('still alive');
    alice.close();
    bob.close();
    assert.equal(server.output().includes('Uncaught'), false, `the node logged an uncaught error:\n${server.output()}`);
  });
});
