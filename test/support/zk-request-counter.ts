// A relay in front of a ZooKeeper server that reads the protocol's frames (a 4-byte length, then
// the body) and counts the requests a client has in flight: a request's header begins with its
// xid, and the reply to it carries the same xid. The first frame each way on a connection is the
// session handshake, which has none; negative xids (pings, watch events, auth, setWatches) are
// not the client's requests and are not counted.
import { startLoopbackRelay } from './loopback-relay.js';

export interface ZkRequestCounter {
  port: number;
  /** The most requests in flight at once since the last reset. */
  maxInFlight(): number;
  /** Requests answered since the last reset. */
  answered(): number;
  reset(): void;
  close(): Promise<void>;
}

/** Calls onFrame with each whole length-prefixed frame of a stream, the first one flagged. */
function frameReader(onFrame: (frame: Buffer, isFirst: boolean) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  let isFirst = true;
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
      pending = pending.subarray(4 + frame.length);
      onFrame(frame, isFirst);
      isFirst = false;
    }
  };
}

export async function startZkRequestCounter(serverPort: number): Promise<ZkRequestCounter> {
  let max = 0;
  let answered = 0;
  const relay = await startLoopbackRelay(serverPort, (client, server) => {
    const inFlight = new Set<number>();
    const fromClient = frameReader((frame, isFirst) => {
      const xid = frame.length >= 4 ? frame.readInt32BE(0) : -1;
      if (isFirst || xid < 0) return;
      inFlight.add(xid);
      max = Math.max(max, inFlight.size);
    });
    const fromServer = frameReader((frame, isFirst) => {
      const xid = frame.length >= 4 ? frame.readInt32BE(0) : -1;
      if (isFirst || xid < 0) return;
      if (inFlight.delete(xid)) answered++;
    });
    client.on('data', (chunk: Buffer) => {
      fromClient(chunk);
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      fromServer(chunk);
      client.write(chunk);
    });
  });
  return {
    port: relay.port,
    maxInFlight: () => max,
    answered: () => answered,
    reset: () => {
      max = 0;
      answered = 0;
    },
    close: () => relay.close(),
  };
}
