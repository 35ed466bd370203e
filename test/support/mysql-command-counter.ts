// A relay in front of a MySQL server that counts the commands its clients send: each is a round
// trip. MySQL's packets are a 3-byte length, a sequence number and the body; a command (a query,
// a prepared statement's execution, BEGIN or COMMIT sent alone) starts a new sequence at 0, while
// the login exchange after the server's greeting and any packet continuing a command do not.
import { startLoopbackRelay } from './loopback-relay.js';

export interface MySqlCommandCounter {
  port: number;
  /** Commands sent through the relay since the last reset. */
  commands(): number;
  /** Holds the server's answers back until release(): a command stays on its way. */
  hold(): void;
  release(): void;
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
  let held: (() => void)[] | undefined;
  const relay = await startLoopbackRelay(serverPort, (client, server) => {
    const fromClient = packetReader((sequence) => {
      if (sequence === 0) commands++;
    });
    client.on('data', (chunk: Buffer) => {
      fromClient(chunk);
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      if (held) held.push(() => client.write(chunk));
      else client.write(chunk);
    });
  });
  return {
    port: relay.port,
    commands: () => commands,
    hold: () => {
      held ??= [];
    },
    release: () => {
      const answers = held ?? [];
      held = undefined;
      for (const answer of answers) answer();
    },
    reset: () => {
      commands = 0;
    },
    close: () => relay.close(),
  };
}
