// The two clients of the benchmark, each matching its server: dchat's TcpClient + LengthCodec,
// and raw node:net with the same framing. Both tell the load generator the length of every
// frame that comes back.
import { connect, type Socket } from 'node:net';
import { LengthCodec } from '../../src/net/length-codec.js';
import { TcpClient } from '../../src/net/tcp-client.js';
import type { Implementation } from './echo-servers.js';

export interface EchoConnection {
  send(body: Uint8Array): void;
  close(): void;
}

export type FrameListener = (frameBytes: number) => void;

export function connectEcho(implementation: Implementation, port: number, onFrame: FrameListener): Promise<EchoConnection> {
  return implementation === 'dchat' ? connectDchat(port, onFrame) : connectRaw(port, onFrame);
}

async function connectDchat(port: number, onFrame: FrameListener): Promise<EchoConnection> {
  const client = new TcpClient({ name: 'bench', host: '127.0.0.1', port });
  const codec = new LengthCodec({ onFrame: (_conn, frame) => onFrame(frame.length), maxFrameBytes: 16 * 1024 * 1024 });
  client.setMessageCallback(codec.onMessage);
  const conn = await client.connect();
  return { send: (body) => codec.send(conn, body), close: () => conn.forceClose() };
}

function connectRaw(port: number, onFrame: FrameListener): Promise<EchoConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => socket.destroy());
      resolve(rawEchoConnection(socket, onFrame));
    });
  });
}

function rawEchoConnection(socket: Socket, onFrame: FrameListener): EchoConnection {
  let pending: Buffer | undefined;
  let isCorked = false;
  const uncork = (): void => {
    isCorked = false;
    socket.uncork();
  };
  socket.on('data', (chunk: Buffer) => {
    const data = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    while (data.length - at >= 4) {
      const length = data.readUInt32BE(at);
      if (at + 4 + length > data.length) break;
      at += 4 + length;
      onFrame(length);
    }
    pending = at === data.length ? undefined : data.subarray(at);
  });
  // The raw client batches the writes of one turn too (cork until nextTick), as node:net allows.
  // write()'s result is not needed here: the load generator's window bounds what is queued.
  const send = (body: Uint8Array): void => {
    if (!isCorked) {
      isCorked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32BE(body.length, 0);
    socket.write(header);
    socket.write(body);
  };
  return { send, close: () => socket.destroy() };
}
