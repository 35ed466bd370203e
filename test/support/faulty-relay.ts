// A relay between a process and a server it talks to, for fault tests: the network between the
// two, which a test can break on cue.
import { startLoopbackRelay } from './loopback-relay.js';

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
  const relay = await startLoopbackRelay(
    serverPort,
    (client, server) => {
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
    },
    () => !isBlocked,
  );
  return {
    port: relay.port,
    loseNextAnswer: () => {
      isArmed = true;
      sentSinceArmed = false;
    },
    lost: () => lost,
    block: () => {
      isBlocked = true;
      relay.cutAll();
    },
    unblock: () => {
      isBlocked = false;
    },
    close: () => relay.close(),
  };
}
