// The skeleton the tests' relays share: a TCP server on a free loopback port that opens a
// connection to 127.0.0.1:serverPort for each client, tracks both sockets, ends each with the
// other, and closes everything at once. What passes between the two is the caller's: `pair`
// gets each client and its server socket and wires their data (a counter, a fault).
import { connect, createServer, type Socket } from 'node:net';

export interface LoopbackRelay {
  port: number;
  /** Destroys every connection open now; new ones are still accepted. */
  cutAll(): void;
  close(): Promise<void>;
}

/** `admit` says whether to take a client now (one refused is destroyed, and no server connection opened). */
export async function startLoopbackRelay(serverPort: number, pair: (client: Socket, server: Socket) => void, admit: () => boolean = () => true): Promise<LoopbackRelay> {
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    if (!admit()) {
      client.destroy();
      return;
    }
    const server = connect(serverPort, '127.0.0.1');
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
    pair(client, server);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address();
  if (address === null || typeof address === 'string') throw new Error('the relay has no port');
  const cutAll = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: address.port,
    cutAll,
    close: async () => {
      cutAll();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}
