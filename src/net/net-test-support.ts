// Helpers for src/net's tests: wait for an event with a deadline whose error names what did
// not happen (tests never sleep), and small real-socket fixtures.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';

/** Resolves with `promise`, or rejects after `timeoutMs` with "timed out after N ms waiting for <what>". */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** A promise with its resolve function, for events that callbacks report. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Waits until `predicate()` holds, checked after every `onEvent` notification. */
export function until(predicate: () => boolean, subscribe: (notify: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    if (predicate()) return resolve();
    subscribe(() => {
      if (predicate()) resolve();
    });
  });
}

/** One full turn of the event loop: I/O that is already readable has been delivered after it. */
export function nextLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A plain node:net socket connected to port, for playing the peer. */
export function rawConnect(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: options.allowHalfOpen ?? false });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/** Reads from `socket` until the peer's FIN; resolves with every byte. */
export function readToEnd(socket: Socket): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  return new Promise((resolve, reject) => {
    socket.on('data', (chunk: Uint8Array) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
  });
}

/** Bytes 0,1,...,250,0,1,... (a prime period, so that misplaced chunks show). */
export function pattern(length: number, offset = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i + offset) % 251;
  return out;
}

/** Asserts byte equality quickly (deepEqual walks megabytes element by element); names the first difference. */
export function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  if (Buffer.compare(actual, expected) === 0) return;
  const at = actual.findIndex((byte, i) => byte !== expected[i]);
  assert.fail(`${what}: first difference at byte ${at}: ${actual[at]} != ${expected[at]}`);
}
