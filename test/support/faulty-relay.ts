// A relay between a process and a server it talks to, for fault tests: the network between the
// two, which a test can break on cue.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface FaultyRelay {
  port: number;
  /** The first answer after the next request is swallowed and both connections are cut. */
  loseNextAnswer(): void;
  /** How many answers loseNextAnswer has swallowed. */
  lost(): number;
  /** Cuts every connection and refuses new ones until unblock. */
  block(): void;
  unblock(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay on a free loopback port in front of the server at 127.0.0.1:serverPort, which
 * fails the way networks do: loseNextAnswer is a failure between a request and its answer (what
 * the server sends first after the client's next bytes is dropped), block a partition.
 */
export async function startFaultyRelay(serverPort: number): Promise<FaultyRelay> {
  let isBlocked = false;
  let isArmed = false;
  let sentSinceArmed = false;
  let lost = 0;
  const sockets = new Set<Socket>();
  const relay: Server = createServer((client) => {
    if (isBlocked) {
      client.destroy();
      return;
    }
    const server = connect(serverPort, '127.0.0.1');
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.on('data', (chunk) => {
      if (isArmed) sentSinceArmed = true;
      server.write(chunk);
    });
    server.on('data', (chunk) => {
      if (isArmed && sentSinceArmed) {
        isArmed = false;
        lost++;
        client.destroy();
        server.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address();
  if (address === null || typeof address === 'string') throw new Error('the relay has no port');
  return {
    port: address.port,
    loseNextAnswer: () => {
      isArmed = true;
      sentSinceArmed = false;
    },
    lost: () => lost,
    block: () => {
      isBlocked = true;
      for (const socket of sockets) socket.destroy();
    },
    unblock: () => {
      isBlocked = false;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}

