// A TCP backend that tells a client which backend it reached: on every connection it writes its
// own address ("127.0.0.1:40123\n") and keeps the connection until the client closes it. Put
// behind nginx, it shows where nginx sent a client.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface TcpBackend {
  readonly host: string;
  readonly port: number;
  /** "host:port", also what the backend writes to each client. */
  readonly address: string;
  /** Connections accepted so far. */
  connectionCount(): number;
  stop(): Promise<void>;
}

export async function startTcpBackend(host = '127.0.0.1'): Promise<TcpBackend> {
  const sockets = new Set<Socket>();
  let count = 0;
  let address = '';
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('end', () => socket.end());
    socket.write(`${address}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  address = `${host}:${port}`;
  return {
    host,
    port,
    address,
    connectionCount: () => count,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Connects to host:port from `localAddress` (any 127.x.y.z works on Linux loopback) and returns
 * the first line the far end writes: through nginx, the address of the backend it chose.
 */
export function whichBackend(port: number, localAddress: string, host = '127.0.0.1', timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, localAddress });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no backend greeting within ${timeoutMs} ms on ${host}:${port} for a client at ${localAddress} (got "${received}")`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      const newline = received.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      socket.end();
      socket.once('close', () => resolve(received.slice(0, newline)));
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`connection to ${host}:${port} from ${localAddress} failed: ${err.message}`));
    });
  });
}
