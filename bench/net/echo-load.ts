// Load generators: throughput (every connection keeps a window of echoes in flight) and
// request/response latency (one echo in flight per connection). Each runs a warm-up, then
// measures for a fixed time; the window bounds what either side ever has queued.
import { performance } from 'node:perf_hooks';
import { connectEcho, type EchoConnection } from './echo-clients.js';
import type { Implementation } from './echo-servers.js';

export interface LoadOptions {
  bodyBytes: number;
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

export interface ThroughputResult {
  messagesPerSecond: number;
  megabytesPerSecond: number;
}

export interface LatencyResult {
  messagesPerSecond: number;
  p50Us: number;
  p99Us: number;
}

/** Echoes in flight per connection: about 256 KiB in flight in all, at least 4 per connection. */
function windowOf(options: LoadOptions): number {
  return Math.min(1000, Math.max(4, Math.floor((256 * 1024) / (options.bodyBytes + 4) / options.connections)));
}

function delay(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/** Runs `onFrame`-driven load on fresh connections through warm-up and measurement. */
async function run(
  implementation: Implementation,
  port: number,
  options: LoadOptions,
  start: (conn: EchoConnection, index: number) => void,
  onFrame: (conn: EchoConnection, index: number) => void,
  measure: { begin(): void; end(): void },
): Promise<void> {
  const conns: EchoConnection[] = [];
  let isRunning = true;
  for (let i = 0; i < options.connections; i++) {
    const index = i;
    conns.push(
      await connectEcho(implementation, port, () => {
        if (isRunning) onFrame(conns[index]!, index);
      }),
    );
  }
  conns.forEach(start);
  await delay(options.warmupSeconds);
  measure.begin();
  await delay(options.seconds);
  measure.end();
  isRunning = false;
  for (const conn of conns) conn.close();
}

export async function measureThroughput(implementation: Implementation, port: number, options: LoadOptions): Promise<ThroughputResult> {
  const body = new Uint8Array(options.bodyBytes).fill(0x61);
  const window = windowOf(options);
  let received = 0;
  let counted = 0;
  let beganAt = 0;
  let seconds = 0;
  await run(
    implementation,
    port,
    options,
    (conn) => {
      for (let i = 0; i < window; i++) conn.send(body);
    },
    (conn) => {
      received++;
      conn.send(body);
    },
    {
      begin: () => {
        received = 0;
        beganAt = performance.now();
      },
      end: () => {
        counted = received;
        seconds = (performance.now() - beganAt) / 1000;
      },
    },
  );
  const messagesPerSecond = counted / seconds;
  return { messagesPerSecond, megabytesPerSecond: (messagesPerSecond * options.bodyBytes) / 1e6 };
}

export async function measureLatency(implementation: Implementation, port: number, options: LoadOptions): Promise<LatencyResult> {
  const body = new Uint8Array(options.bodyBytes).fill(0x62);
  const sentAt = new Float64Array(options.connections);
  let samples: number[] = [];
  let isMeasuring = false;
  let beganAt = 0;
  let seconds = 0;
  let kept: number[] = [];
  const send = (conn: EchoConnection, index: number): void => {
    sentAt[index] = performance.now();
    conn.send(body);
  };
  await run(
    implementation,
    port,
    options,
    send,
    (conn, index) => {
      if (isMeasuring) samples.push(performance.now() - sentAt[index]!);
      send(conn, index);
    },
    {
      begin: () => {
        samples = [];
        isMeasuring = true;
        beganAt = performance.now();
      },
      end: () => {
        isMeasuring = false;
        kept = samples;
        seconds = (performance.now() - beganAt) / 1000;
      },
    },
  );
  const sorted = Float64Array.from(kept).sort();
  const at = (q: number): number => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN) * 1000;
  return { messagesPerSecond: kept.length / seconds, p50Us: at(0.5), p99Us: at(0.99) };
}
