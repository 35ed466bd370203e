import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { isDchatError } from '../base/dchat-error.js';
import { assertSameBytes, deferred, nextLoopTurn, pattern, rawConnect, readToEnd, until, withTimeout } from './net-test-support.js';
import { TcpClient } from './tcp-client.js';
import { DEFAULT_HIGH_WATER_MARK_BYTES, type TcpConnection } from './tcp-connection.js';
import { TcpServer } from './tcp-server.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Starts a server on a free loopback port, runs `body`, and always stops server and peers. */
async function withServer(
  setup: (server: TcpServer) => void,
  body: (server: TcpServer, port: number, peers: Socket[]) => Promise<void>,
): Promise<void> {
  const server = new TcpServer({ name: 'test-server', host: '127.0.0.1', port: 0 });
  setup(server);
  const { port } = await server.start();
  const peers: Socket[] = [];
  try {
    await body(server, port, peers);
  } finally {
    for (const peer of peers) peer.destroy();
    await server.stop(500);
  }
}

/** Resolves with the server side of the next connection. */
function nextConnection(server: TcpServer): Promise<TcpConnection> {
  const up = deferred<TcpConnection>();
  server.setConnectionCallback((conn) => {
    if (conn.isConnected()) up.resolve(conn);
  });
  return withTimeout(up.promise, 2000, 'the server to report a new connection');
}

function collectUntil(socket: Socket, totalBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let received = 0;
  return withTimeout(
    new Promise((resolve) => {
      socket.on('data', (chunk: Uint8Array) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received >= totalBytes) resolve(Buffer.concat(chunks));
      });
    }),
    10000,
    `the peer to receive ${totalBytes} bytes`,
  );
}

test('tcp server fires connection, message and write-complete callbacks for an echo exchange', async () => {
  const events: string[] = [];
  const down = deferred();
  const written = deferred();
  await withServer(
    (server) => {
      server.setConnectionCallback((conn) => {
        events.push(conn.isConnected() ? 'up' : 'down');
        if (!conn.isConnected()) down.resolve();
      });
      server.setMessageCallback((conn, buffer) => conn.send(buffer.retrieveAsView(buffer.readableBytes())));
      server.setWriteCompleteCallback(() => written.resolve());
    },
    async (server, port, peers) => {
      const peer = await rawConnect(port);
      peers.push(peer);
      const echoed = collectUntil(peer, 5);
      peer.write('hello');
      assert.equal(Buffer.from(await echoed).toString(), 'hello');
      await withTimeout(written.promise, 2000, 'the write-complete callback');
      assert.equal(server.connectionCount(), 1);
      peer.end();
      await withTimeout(down.promise, 2000, 'the connection callback reporting the close');
      assert.deepEqual(events, ['up', 'down']);
      assert.equal(server.connectionCount(), 0);
    },
  );
});

test('tcp connection reports its name and both addresses', async () => {
  await withServer(
    () => {},
    async (server, port, peers) => {
      const accepted = nextConnection(server);
      const peer = await rawConnect(port);
      peers.push(peer);
      const conn = await accepted;
      assert.equal(conn.peerAddress, '127.0.0.1');
      assert.equal(conn.peerPort, peer.localPort);
      assert.equal(conn.localPort, port);
      assert.equal(conn.name, `test-server#1 127.0.0.1:${peer.localPort}`);
    },
  );
});

test('tcp connection coalesces the sends of one turn and counts them as queued until written', async () => {
  const written = deferred();
  await withServer(
    (server) => server.setWriteCompleteCallback(() => written.resolve()),
    async (server, port, peers) => {
      const accepted = nextConnection(server);
      const peer = await rawConnect(port);
      peers.push(peer);
      const conn = await accepted;
      const received = collectUntil(peer, 3000);
      for (let i = 0; i < 3; i++) conn.send(pattern(1000, i * 1000));
      assert.equal(conn.queuedBytes(), 3000, 'nothing is written before the turn ends');
      assertSameBytes(await received, pattern(3000), 'the three sends');
      await withTimeout(written.promise, 2000, 'the write-complete callback');
      assert.equal(conn.queuedBytes(), 0);
    },
  );
});

test('tcp connection fires the high-water-mark callback once on crossing when the peer does not read', async () => {
  const marks: number[] = [];
  let written = 0;
  const onWritten: Array<() => void> = [];
  await withServer(
    (server) => {
      server.setHighWaterMarkCallback((_conn, queued) => marks.push(queued), 1 * MiB);
      server.setWriteCompleteCallback(() => {
        written++;
        for (const notify of onWritten) notify();
      });
    },
    async (server, port, peers) => {
      const accepted = nextConnection(server);
      const peer = await rawConnect(port);
      peers.push(peer);
      peer.pause();
      const conn = await accepted;
      let sent = 0;
      const sendChunk = (bytes: number): void => {
        conn.send(pattern(bytes, sent));
        sent += bytes;
      };
      while (marks.length === 0) {
        if (sent > 64 * MiB) assert.fail(`no high-water-mark callback after ${sent} bytes sent to a peer that does not read`);
        sendChunk(256 * KiB);
        await nextLoopTurn();
      }
      assert.ok(marks[0]! >= 1 * MiB, `the callback saw ${marks[0]} queued bytes`);
      const stats = server.stats();
      assert.equal(stats.connections, 1);
      assert.ok(stats.largestQueuedBytes >= 1 * MiB && stats.queuedBytes === stats.largestQueuedBytes, JSON.stringify(stats));
      for (let i = 0; i < 8; i++) {
        sendChunk(256 * KiB);
        await nextLoopTurn();
      }
      assert.equal(marks.length, 1, 'still above the mark: no second callback');

      const received = collectUntil(peer, sent);
      peer.resume();
      assertSameBytes(await received, pattern(sent), 'the bytes the slow peer read');
      await withTimeout(until(() => written > 0, (n) => onWritten.push(n)), 5000, 'the write-complete callback');
      assert.equal(conn.queuedBytes(), 0);
      assert.equal(conn.bytesSent(), sent);

      sendChunk(2 * MiB);
      await nextLoopTurn();
      assert.equal(marks.length, 2, 'the mark is re-armed once the queue drained');
    },
  );
});

/** Sends `chunkBytes` per loop turn to a peer that does not read, until the connection closes. */
async function floodUntilClosed(server: TcpServer, port: number, peers: Socket[], chunkBytes: number, configure: (conn: TcpConnection) => void): Promise<number> {
  const accepted = nextConnection(server);
  const peer = await rawConnect(port);
  peers.push(peer);
  peer.pause();
  const conn = await accepted;
  configure(conn);
  let sent = 0;
  while (conn.isConnected()) {
    if (sent > 512 * MiB) assert.fail(`the connection is still open after ${sent} bytes queued for a peer that does not read`);
    conn.send(pattern(chunkBytes));
    sent += chunkBytes;
    await nextLoopTurn();
  }
  return sent;
}

test('tcp connection without a high-water-mark callback closes when 64 MiB are queued for a peer that does not read', async () => {
  await withServer(
    () => {},
    async (server, port, peers) => {
      const sent = await floodUntilClosed(server, port, peers, 1 * MiB, () => {});
      assert.ok(sent >= DEFAULT_HIGH_WATER_MARK_BYTES, `closed after ${sent} bytes`);
      assert.ok(sent < DEFAULT_HIGH_WATER_MARK_BYTES + 32 * MiB, `closed after ${sent} bytes, long after the mark`);
    },
  );
});

test('tcp connection closes when its queue reaches maxQueuedBytes even with a high-water-mark callback', async () => {
  await withServer(
    (server) => server.setHighWaterMarkCallback(() => {}, 1 * MiB),
    async (server, port, peers) => {
      const sent = await floodUntilClosed(server, port, peers, 256 * KiB, (conn) => conn.setMaxQueuedBytes(4 * MiB));
      assert.ok(sent >= 4 * MiB && sent < 32 * MiB, `closed after ${sent} bytes`);
    },
  );
});

test('tcp connection stopRead stops message callbacks until startRead', async () => {
  const received: string[] = [];
  const onMessage: Array<() => void> = [];
  let serverConn: TcpConnection | undefined;
  await withServer(
    (server) =>
      server.setMessageCallback((conn, buffer) => {
        serverConn = conn;
        received.push(Buffer.from(buffer.retrieveAsBytes(buffer.readableBytes())).toString());
        if (received.length === 1) conn.stopRead();
        for (const notify of onMessage) notify();
      }),
    async (_server, port, peers) => {
      const peer = await rawConnect(port);
      peers.push(peer);
      peer.write('first');
      await withTimeout(until(() => received.length === 1, (n) => onMessage.push(n)), 2000, 'the first message');
      assert.equal(serverConn?.isReading(), false);

      await new Promise<void>((resolve) => peer.write('second', () => resolve()));
      for (let i = 0; i < 5; i++) await nextLoopTurn();
      assert.deepEqual(received, ['first'], 'no message callback while reading is stopped');

      serverConn?.startRead();
      await withTimeout(until(() => received.join('') === 'firstsecond', (n) => onMessage.push(n)), 2000, 'the second message after startRead');
    },
  );
});

test('tcp connection shutdown writes all queued output before FIN', async () => {
  const total = 4 * MiB;
  await withServer(
    (server) =>
      server.setConnectionCallback((conn) => {
        if (!conn.isConnected()) return;
        for (let at = 0; at < total; at += 512 * KiB) conn.send(pattern(512 * KiB, at));
        conn.shutdown();
        conn.send(pattern(10));
      }),
    async (_server, port, peers) => {
      const peer = await rawConnect(port);
      peers.push(peer);
      const data = await withTimeout(readToEnd(peer), 10000, 'the peer to read up to FIN');
      assert.equal(data.length, total, 'exactly the bytes sent before shutdown arrive');
      assertSameBytes(data, pattern(total), 'the bytes before FIN');
    },
  );
});

test('tcp server stop closes every connection and stops accepting', async () => {
  const server = new TcpServer({ name: 'stop-test', host: '127.0.0.1', port: 0 });
  const { port } = await server.start();
  const peers: Socket[] = [];
  try {
    for (let i = 0; i < 3; i++) peers.push(await rawConnect(port));
    const stubborn = await rawConnect(port, { allowHalfOpen: true });
    peers.push(stubborn);
    await withTimeout(until(() => server.connectionCount() === 4, (n) => server.setConnectionCallback(n)), 2000, '4 connections');
    // The stubborn peer keeps its half open: it sees FIN ('end') but no 'close'.
    const closed = peers.map((p) => new Promise<void>((resolve) => p.once(p === stubborn ? 'end' : 'close', () => resolve())));
    await withTimeout(server.stop(300), 5000, 'stop() to resolve');
    assert.equal(server.connectionCount(), 0);
    await withTimeout(Promise.all(closed), 2000, 'every peer to see the server close');
    await assert.rejects(rawConnect(port), /ECONNREFUSED/);
  } finally {
    for (const peer of peers) peer.destroy();
    await server.stop(100);
  }
});

test('tcp server resets connections beyond maxConnections', async () => {
  const server = new TcpServer({ name: 'max-test', host: '127.0.0.1', port: 0, maxConnections: 1 });
  const { port } = await server.start();
  const peers: Socket[] = [];
  try {
    peers.push(await rawConnect(port));
    await withTimeout(until(() => server.connectionCount() === 1, (n) => server.setConnectionCallback(n)), 2000, 'the first connection');
    // The reset may come before this side has seen its connect completed: wait for the close either way.
    const extra = connect({ host: '127.0.0.1', port });
    extra.on('error', () => {});
    peers.push(extra);
    await withTimeout(new Promise((resolve) => extra.once('close', resolve)), 2000, 'the extra connection to be closed');
    assert.equal(server.connectionCount(), 1);
  } finally {
    for (const peer of peers) peer.destroy();
    await server.stop(100);
  }
});

test('tcp server start rejects with DCHAT_NET_LISTEN and a fix when the port is taken', async () => {
  const first = new TcpServer({ name: 'first', host: '127.0.0.1', port: 0 });
  const { port } = await first.start();
  try {
    const second = new TcpServer({ name: 'second', host: '127.0.0.1', port });
    await assert.rejects(second.start(), (err: unknown) => {
      assert.ok(isDchatError(err, 'DCHAT_NET_LISTEN'), `expected DCHAT_NET_LISTEN, got ${String(err)}`);
      assert.match(err.message, new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
      assert.match(err.message, /choose another port/);
      return true;
    });
  } finally {
    await first.stop(100);
  }
});

test('tcp client connect rejects with DCHAT_NET_CONNECT when nothing listens on the port', async () => {
  const probe = new TcpServer({ name: 'probe', host: '127.0.0.1', port: 0 });
  const { port } = await probe.start();
  await probe.stop(100);
  const client = new TcpClient({ name: 'refused', host: '127.0.0.1', port });
  await assert.rejects(client.connect(), (err: unknown) => {
    assert.ok(isDchatError(err, 'DCHAT_NET_CONNECT'), `expected DCHAT_NET_CONNECT, got ${String(err)}`);
    assert.match(err.message, new RegExp(`^127\\.0\\.0\\.1:${port} refused the connection: is the server running\\?`));
    return true;
  });
  assert.equal(client.connection(), undefined);
});

test('tcp connection drops sends after close without throwing', async () => {
  await withServer(
    () => {},
    async (server, port, peers) => {
      const down = deferred();
      const accepted = nextConnection(server);
      const peer = await rawConnect(port);
      peers.push(peer);
      const conn = await accepted;
      server.setConnectionCallback(() => {});
      conn.setConnectionCallback((c) => {
        if (!c.isConnected()) down.resolve();
      });
      conn.forceClose();
      conn.send(pattern(10));
      await withTimeout(down.promise, 2000, 'the close after forceClose');
      conn.send(pattern(10));
      assert.equal(conn.isConnected(), false);
      assert.equal(conn.queuedBytes(), 0);
    },
  );
});

test('tcp connection closes only its own connection when the message callback throws', async () => {
  await withServer(
    (server) =>
      server.setMessageCallback((conn, buffer) => {
        const text = Buffer.from(buffer.retrieveAsBytes(buffer.readableBytes())).toString();
        if (text === 'boom') throw new Error('handler bug');
        conn.send(new TextEncoder().encode(text));
      }),
    async (_server, port, peers) => {
      const bad = await rawConnect(port);
      const good = await rawConnect(port);
      peers.push(bad, good);
      const badClosed = new Promise((resolve) => bad.once('close', resolve));
      bad.write('boom');
      await withTimeout(badClosed, 2000, 'the connection whose handler threw to close');
      const echoed = collectUntil(good, 2);
      good.write('ok');
      assert.equal(Buffer.from(await echoed).toString(), 'ok');
    },
  );
});

test('tcp server resets a closing connection whose peer never closes, once closeGraceMs has passed', async () => {
  const server = new TcpServer({ name: 'grace-test', host: '127.0.0.1', port: 0, closeGraceMs: 200 });
  const closed = deferred<void>();
  server.setConnectionCallback((conn) => (conn.isConnected() ? conn.closeWithin() : closed.resolve()));
  const { port } = await server.start();
  const peer = await rawConnect(port, { allowHalfOpen: true });
  try {
    await withTimeout(closed.promise, 2000, 'the half-closed connection to be reset');
    assert.equal(server.connectionCount(), 0);
  } finally {
    peer.destroy();
    await server.stop(100);
  }
});

test('the listening socket has a backlog of 4096 (as the kernel reports it), not node\'s 511', async () => {
  await withServer(() => undefined, async (_server, port) => {
    // For a listening socket, ss shows the backlog as Send-Q: "LISTEN 0 4096 127.0.0.1:PORT ...".
    const line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim();
    const backlog = Number(line.split(/\s+/)[2]);
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    assert.equal(backlog, Math.min(4096, somaxconn), `ss says: ${line}`);
  });
});
