// The two length-prefixed echo servers the benchmark compares: dchat's (TcpServer +
// LengthCodec, written as an application would) and a raw node:net one written as well as
// node:net allows (frames echoed as views of the read chunk, corked per chunk, reading paused
// while the socket's buffer is full).
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { LengthCodec } from '../../src/net/length-codec.js';
import { TcpServer } from '../../src/net/tcp-server.js';

export type Implementation = 'dchat' | 'raw';

export async function startDchatEchoServer(): Promise<number> {
  const server = new TcpServer({ name: 'bench-echo', host: '127.0.0.1', port: 0 });
  const codec = new LengthCodec({ onFrame: (conn, frame) => codec.send(conn, frame), maxFrameBytes: 16 * 1024 * 1024 });
  server.setMessageCallback(codec.onMessage);
  const { port } = await server.start();
  return port;
}

export function startRawEchoServer(): Promise<number> {
  const server = createServer({ noDelay: true }, serveRawEcho);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function serveRawEcho(socket: Socket): void {
  let pending: Buffer | undefined;
  socket.on('drain', () => socket.resume());
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    const data = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    let isAccepted = true;
    socket.cork();
    while (data.length - at >= 4) {
      const end = at + 4 + data.readUInt32BE(at);
      if (end > data.length) break;
      isAccepted = socket.write(data.subarray(at, end)) && isAccepted;
      at = end;
    }
    socket.uncork();
    pending = at === data.length ? undefined : data.subarray(at);
    if (!isAccepted) socket.pause();
  });
}

/** Child-process entry: serve one implementation and print the port on stdout. */
export async function serve(implementation: Implementation): Promise<void> {
  const port = implementation === 'dchat' ? await startDchatEchoServer() : await startRawEchoServer();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}
