import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DchatError } from '../base/dchat-error.js';
import { Buffer } from './buffer.js';
import { LengthCodec } from './length-codec.js';
import { deferred, pattern, withTimeout } from './net-test-support.js';
import { TcpClient } from './tcp-client.js';
import type { TcpConnection } from './tcp-connection.js';
import { TcpServer } from './tcp-server.js';

// The codec is fed by hand, but the connection it is given is a real one.
let server: TcpServer;
let client: TcpClient;
let conn: TcpConnection;

before(async () => {
  server = new TcpServer({ name: 'codec-test', host: '127.0.0.1', port: 0 });
  const { port } = await server.start();
  client = new TcpClient({ name: 'codec-test-client', host: '127.0.0.1', port });
  conn = await client.connect();
});

after(async () => {
  client.disconnect();
  await server.stop(500);
});

function collector(maxFrameBytes?: number): { codec: LengthCodec; frames: Uint8Array[]; errors: DchatError[] } {
  const frames: Uint8Array[] = [];
  const errors: DchatError[] = [];
  const codec = new LengthCodec({
    onFrame: (_conn, frame) => frames.push(frame.slice()),
    onError: (_conn, error) => errors.push(error),
    maxFrameBytes,
  });
  return { codec, frames, errors };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const bodies = [pattern(5), new Uint8Array(0), pattern(300, 7), pattern(1)];
const stream = concat(bodies.map((b) => LengthCodec.encode(b)));

for (const owned of [false, true]) {
  const how = owned ? 'appendOwned' : 'append';
  test(`length codec decodes every frame when the stream is split at any byte offset (${how})`, () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const { codec, frames, errors } = collector();
      const buf = new Buffer(64);
      for (const part of [stream.slice(0, cut), stream.slice(cut)]) {
        if (owned) buf.appendOwned(part);
        else buf.append(part);
        codec.onMessage(conn, buf, 0);
      }
      assert.deepEqual(frames, bodies, `split at byte ${cut}`);
      assert.deepEqual(errors, []);
      assert.equal(buf.readableBytes(), 0, `split at byte ${cut} leaves nothing behind`);
    }
  });
}

test('length codec decodes a stream fed one byte at a time', () => {
  const { codec, frames } = collector();
  const buf = new Buffer();
  for (const byte of stream) {
    buf.appendOwned(Uint8Array.of(byte));
    codec.onMessage(conn, buf, 0);
  }
  assert.deepEqual(frames, bodies);
});

test('length codec hands out several frames that arrive in one chunk, in order', () => {
  const { codec, frames } = collector();
  const buf = new Buffer();
  buf.appendOwned(stream.slice());
  codec.onMessage(conn, buf, 0);
  assert.deepEqual(frames, bodies);
});

test('length codec delivers a zero-length frame as an empty view', () => {
  const { codec, frames } = collector();
  const buf = new Buffer();
  buf.append(Uint8Array.of(0, 0, 0, 0));
  codec.onMessage(conn, buf, 0);
  assert.deepEqual(frames, [new Uint8Array(0)]);
  assert.equal(buf.readableBytes(), 0);
});

test('length codec leaves a partial frame in the buffer until its rest arrives', () => {
  const { codec, frames } = collector();
  const buf = new Buffer();
  const frame = LengthCodec.encode(pattern(10));
  buf.append(frame.subarray(0, 9));
  codec.onMessage(conn, buf, 0);
  assert.deepEqual(frames, []);
  assert.equal(buf.readableBytes(), 9);
  buf.append(frame.subarray(9));
  codec.onMessage(conn, buf, 0);
  assert.deepEqual(frames, [pattern(10)]);
});

test('length codec rejects a frame over maxFrameBytes when only its length has arrived', () => {
  const { codec, frames, errors } = collector(1000);
  const buf = new Buffer();
  buf.append(Uint8Array.of(0, 0, 0x03, 0xe9));
  codec.onMessage(conn, buf, 0);
  assert.deepEqual(frames, []);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.code, 'DCHAT_NET_FRAME_TOO_LARGE');
  assert.match(errors[0]?.message ?? '', /^frame length 1001 > maxFrameBytes 1000; /);
});

test('length codec accepts a frame of exactly maxFrameBytes', () => {
  const { codec, frames, errors } = collector(1000);
  const buf = new Buffer();
  buf.append(LengthCodec.encode(pattern(1000)));
  codec.onMessage(conn, buf, 0);
  assert.deepEqual(errors, []);
  assert.deepEqual(frames, [pattern(1000)]);
});

test('length codec stops handing out frames when the frame callback stops reading', () => {
  const frames: Uint8Array[] = [];
  const codec = new LengthCodec({
    onFrame: (c, frame) => {
      frames.push(frame.slice());
      c.stopRead();
    },
  });
  const buf = new Buffer();
  buf.append(stream);
  codec.onMessage(conn, buf, 0);
  assert.deepEqual(frames, [bodies[0]]);
  conn.startRead();
  codec.onMessage(conn, buf, 0);
  assert.deepEqual(frames, bodies.slice(0, 2));
  assert.equal(conn.isReading(), false);
  conn.startRead();
});

test('length codec encode puts the big-endian length before the body', () => {
  assert.deepEqual([...LengthCodec.encode(Uint8Array.of(9, 8, 7))], [0, 0, 0, 3, 9, 8, 7]);
});

test('length codec by default closes the connection that sent an oversized frame', async () => {
  const closed = deferred();
  const victim = new TcpClient({ name: 'codec-victim', host: '127.0.0.1', port: conn.peerPort });
  victim.setConnectionCallback((c) => {
    if (!c.isConnected()) closed.resolve();
  });
  const victimConn = await victim.connect();
  const codec = new LengthCodec({ onFrame: () => assert.fail('no frame expected'), maxFrameBytes: 10 });
  const buf = new Buffer();
  buf.append(Uint8Array.of(0, 0, 0, 11));
  codec.onMessage(victimConn, buf, 0);
  await withTimeout(closed.promise, 2000, 'the connection to close after an oversized frame');
  assert.equal(victimConn.isConnected(), false);
});
