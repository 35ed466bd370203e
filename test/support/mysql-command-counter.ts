// A relay in front of a MySQL server that counts the commands its clients send: each is a round
// trip. MySQL's packets are a 3-byte length, a sequence number and the body; a command (a query,
// a prepared statement's execution, BEGIN or COMMIT sent alone) starts a new sequence at 0, while
// the login exchange after the server's greeting and any packet continuing a command do not.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface MySqlCommandCounter {
  port: number;
  /** Commands sent through the relay since the last reset. */
  commands(): number;
  reset(): void;
  close(): Promise<void>;
}

function packetReader(onPacket: (sequence: number) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readUIntLE(0, 3)) {
      onPacket(pending.readUInt8(3));
      pending = pending.subarray(4 + pending.readUIntLE(0, 3));
    }
  };
}

export async function startMySqlCommandCounter(serverPort: number): Promise<MySqlCommandCounter> {
  let commands = 0;
  const sockets = new Set<Socket>();
  const relay: Server = createServer((client) => {
    const server = connect(serverPort, '127.0.0.1');
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    const fromClient = packetReader((sequence) => {
      if (sequence === 0) commands++;
    });
    client.on('data', (chunk: Buffer) => {
      fromClient(chunk);
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address();
  if (address === null || typeof address === 'string') throw new Error('the relay has no port');
  return {
    port: address.port,
    commands: () => commands,
    reset: () => {
      commands = 0;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}
