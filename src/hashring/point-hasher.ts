// How a ring turns servers into points and keys into hashes. The ring itself only sorts,
// deduplicates and searches; a hasher decides what the ring agrees with.

export interface PointHasher {
  /** Short name, stored with a ring's state so a ring is never read back with another hasher. */
  readonly name: string;
  /** The first `count` points of the server named `serverName`, in generation order. */
  serverPoints(serverName: string, count: number): Uint32Array;
  /** The 32-bit hash of a key (a client's `$remote_addr` text for the nginx hasher). */
  keyHash(key: string): number;
}
