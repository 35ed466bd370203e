import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LengthCodec } from './length-codec.js';
import { assertSameBytes, deferred, pattern, until, withTimeout } from './net-test-support.js';
import { TcpClient } from './tcp-client.js';
import { TcpServer } from './tcp-server.js';

async function startEchoServer(): Promise<{ server: TcpServer; port: number }> {
  const server = new TcpServer({ name: 'echo', host: '127.0.0.1', port: 0 });
  const codec = new LengthCodec({ onFrame: (conn, frame) => codec.send(conn, frame) });
  server.setMessageCallback(codec.onMessage);
  const { port } = await server.start();
  return { server, port };
}

test('tcp client exchanges length-prefixed frames with a tcp server and reports up and down', async () => {
  const { server, port } = await startEchoServer();
  const client = new TcpClient({ name: 'echo-client', host: '127.0.0.1', port });
  try {
    const events: string[] = [];
    const down = deferred();
    client.setConnectionCallback((conn) => {
      events.push(conn.isConnected() ? 'up' : 'down');
      if (!conn.isConnected()) down.resolve();
    });
    const frames: Uint8Array[] = [];
    const notify: Array<() => void> = [];
    const codec = new LengthCodec({
      onFrame: (_conn, frame) => {
        frames.push(frame.slice());
        for (const n of notify) n();
      },
    });
    client.setMessageCallback(codec.onMessage);
    const conn = await client.connect();
    assert.equal(client.connection(), conn);
    assert.equal(await client.connect(), conn, 'connect() on a live client returns its connection');

    const bodies = [pattern(64), new Uint8Array(0), pattern(200 * 1024, 3), pattern(1)];
    for (const body of bodies) codec.send(conn, body);
    await withTimeout(until(() => frames.length === bodies.length, (n) => notify.push(n)), 5000, `${bodies.length} echoed frames`);
    bodies.forEach((body, i) => assertSameBytes(frames[i]!, body, `frame ${i}`));

    client.disconnect();
    await withTimeout(down.promise, 2000, 'the client connection to close after disconnect()');
    assert.deepEqual(events, ['up', 'down']);
    assert.equal(client.connection(), undefined);
  } finally {
    client.connection()?.forceClose();
    await server.stop(500);
  }
});

test('tcp client hears the close when the server stops', async () => {
  const { server, port } = await startEchoServer();
  const client = new TcpClient({ name: 'stopped', host: '127.0.0.1', port });
  try {
    const down = deferred();
    client.setConnectionCallback((conn) => {
      if (!conn.isConnected()) down.resolve();
    });
    await client.connect();
    await server.stop(1000);
    await withTimeout(down.promise, 2000, 'the client to report the close');
  } finally {
    client.connection()?.forceClose();
    await server.stop(100);
  }
});

test('tcp client binds the local address it is given', async () => {
  const { server, port } = await startEchoServer();
  const client = new TcpClient({ name: 'sourced', host: '127.0.0.1', port, localAddress: '127.0.0.2' });
  try {
    const conn = await client.connect();
    assert.equal(conn.localAddress, '127.0.0.2');
  } finally {
    client.connection()?.forceClose();
    await server.stop(100);
  }
});
