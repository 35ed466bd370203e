// Promises over node-zookeeper-client's callbacks, and the data it accepts (it checks
// Buffer.isBuffer, so a plain Uint8Array is wrapped, without copying).

export function toBuffer(data: Uint8Array | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Runs one callback-style request of the client library as a promise. */
export function request<T>(start: (done: (error: unknown, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}
