// A consistent-hash ring of named servers, each with a number of virtual nodes ("points").
//
// Servers keep the order they were added in, because that order settles ties: when two
// servers own the same 32-bit point, the earlier one keeps it (nginx does the same with its
// config order). The sorted table is rebuilt lazily on the first lookup after a change; a
// lookup is one binary search over a Uint32Array.
import type { StatusOr } from '../base/dchat-error.js';
import { HashRingError } from './hashring-error.js';
import { nginxPointHasher } from './nginx-chash.js';
import type { PointHasher } from './point-hasher.js';

export interface RingServer {
  readonly name: string;
  readonly points: number;
}

export interface RingLookup {
  readonly server: string;
  readonly keyHash: number;
  /** The point the key landed on, and its index in the sorted table. */
  readonly point: number;
  readonly pointIndex: number;
}

/**
 * Sorted, deduplicated points; owners[i] indexes servers(), ownerNames[i] is its name.
 * buckets[b] is the first index whose hash has top bits >= b (hash >>> bucketShift), so a
 * search starts inside one bucket of about one point instead of over the whole table.
 */
export interface RingTable {
  readonly hashes: Uint32Array;
  readonly owners: Uint32Array;
  readonly ownerNames: readonly string[];
  readonly buckets: Uint32Array;
  readonly bucketShift: number;
}

/** The sort key packs hash and generation order into one exact double: hash × 2^21 + order. */
const ORDER_BITS = 2 ** 21;
export const MAX_RING_POINTS = ORDER_BITS - 1;

interface Entry {
  name: string;
  points: Uint32Array;
}

export class HashRing {
  readonly hasher: PointHasher;
  private readonly entries: Entry[] = [];
  private table: RingTable | undefined;

  constructor(options: { hasher?: PointHasher } = {}) {
    this.hasher = options.hasher ?? nginxPointHasher;
  }

  /** Adds a server at the end of the order with `points` virtual nodes. */
  add(name: string, points: number): StatusOr<void, HashRingError> {
    if (this.indexOf(name) >= 0) {
      return fail('DCHAT_RING_DUPLICATE_SERVER', `server ${name} is already on the ring with ${this.pointCount(name)} points: \`del\` it first to change its points`);
    }
    if (!Number.isSafeInteger(points) || points < 1) {
      return fail('DCHAT_RING_BAD_POINTS', `number of virtual nodes ${points} for ${name} is not a whole number >= 1: give one like 160`);
    }
    const total = this.totalPoints() + points;
    if (total > MAX_RING_POINTS) {
      return fail('DCHAT_RING_BAD_POINTS', `${points} more points would make ${total} on the ring, over the limit of ${MAX_RING_POINTS}: give fewer virtual nodes`);
    }
    this.entries.push({ name, points: this.hasher.serverPoints(name, points) });
    this.table = undefined;
    return { ok: true, value: undefined };
  }

  remove(name: string): StatusOr<void, HashRingError> {
    const known = this.requireServer(name);
    if (!known.ok) return known;
    this.entries.splice(this.indexOf(name), 1);
    this.table = undefined;
    return { ok: true, value: undefined };
  }

  /** DCHAT_RING_UNKNOWN_SERVER, listing the servers there are, unless `name` is on the ring. */
  requireServer(name: string): StatusOr<void, HashRingError> {
    if (this.indexOf(name) >= 0) return { ok: true, value: undefined };
    return fail('DCHAT_RING_UNKNOWN_SERVER', this.unknownServerMessage(name));
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  /** Servers in ring order (the order they were added in). */
  servers(): RingServer[] {
    return this.entries.map((e) => ({ name: e.name, points: e.points.length }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The points a server generated, in generation order (before sorting and tie removal). */
  pointsOf(name: string): Uint32Array | undefined {
    return this.entries[this.indexOf(name)]?.points;
  }

  /** The points a server owns on the ring, i.e. after ties went to earlier servers. */
  ownedPointCount(name: string): number {
    const index = this.indexOf(name);
    let count = 0;
    for (const owner of this.sortedTable().owners) if (owner === index) count++;
    return count;
  }

  totalPoints(): number {
    return this.entries.reduce((sum, e) => sum + e.points.length, 0);
  }

  /** The server a key belongs to, or DCHAT_RING_EMPTY. */
  lookup(key: string): StatusOr<RingLookup, HashRingError> {
    return this.lookupHash(this.hasher.keyHash(key));
  }

  lookupHash(keyHash: number): StatusOr<RingLookup, HashRingError> {
    const { hashes, owners } = this.sortedTable();
    if (hashes.length === 0) return fail('DCHAT_RING_EMPTY', 'the ring has no servers: `add HOST PORT [NUM]` one first');
    const pointIndex = this.findPoint(keyHash);
    const owner = this.entries[owners[pointIndex] as number] as Entry;
    return { ok: true, value: { server: owner.name, keyHash, point: hashes[pointIndex] as number, pointIndex } };
  }

  /** Fast path for hot loops: the server name of a key, undefined when the ring is empty. */
  serverFor(key: string): string | undefined {
    const table = this.sortedTable();
    return table.ownerNames[firstPointAtOrAbove(table, this.hasher.keyHash(key))];
  }

  /** Index of the first point >= hash, wrapping past the largest to 0. */
  findPoint(keyHash: number): number {
    return firstPointAtOrAbove(this.sortedTable(), keyHash);
  }

  sortedTable(): RingTable {
    this.table ??= this.buildTable();
    return this.table;
  }

  private buildTable(): RingTable {
    const keys = new Float64Array(this.totalPoints());
    const ownerOfOrder = new Uint32Array(keys.length);
    let order = 0;
    this.entries.forEach((entry, index) => {
      for (const point of entry.points) {
        ownerOfOrder[order] = index;
        keys[order] = point * ORDER_BITS + order;
        order++;
      }
    });
    keys.sort();
    const { hashes, owners } = dedupe(keys, ownerOfOrder);
    const ownerNames = Array.from(owners, (owner) => (this.entries[owner] as Entry).name);
    return { hashes, owners, ownerNames, ...bucketIndex(hashes) };
  }

  private indexOf(name: string): number {
    return this.entries.findIndex((e) => e.name === name);
  }

  private pointCount(name: string): number {
    return this.pointsOf(name)?.length ?? 0;
  }

  private unknownServerMessage(name: string): string {
    const known = this.entries.map((e) => e.name);
    const list = known.length === 0 ? 'the ring is empty' : `servers are ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', …' : ''}`;
    return `server ${name} is not on the ring (${list}): check host and port, \`getVirNum\` lists them`;
  }
}

/** Index of the first point >= keyHash, wrapping past the largest to 0; 0 on an empty table. */
function firstPointAtOrAbove(table: RingTable, keyHash: number): number {
  const { hashes, buckets } = table;
  const bucket = keyHash >>> table.bucketShift;
  let low = buckets[bucket] as number;
  let high = buckets[bucket + 1] as number;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((hashes[mid] as number) < keyHash) low = mid + 1;
    else high = mid;
  }
  return low === hashes.length ? 0 : low;
}

/** About two buckets per point, between 2^8 and 2^16 of them. */
function bucketIndex(hashes: Uint32Array): { buckets: Uint32Array; bucketShift: number } {
  const bits = Math.min(16, Math.max(8, Math.ceil(Math.log2(hashes.length + 1)) + 1));
  const bucketShift = 32 - bits;
  const buckets = new Uint32Array((1 << bits) + 1);
  let index = 0;
  for (let bucket = 0; bucket <= 1 << bits; bucket++) {
    while (index < hashes.length && (hashes[index] as number) >>> bucketShift < bucket) index++;
    buckets[bucket] = index;
  }
  return { buckets, bucketShift };
}

/** Keeps the first of equal hashes; `keys` are sorted hash × 2^21 + order. */
function dedupe(keys: Float64Array, ownerOfOrder: Uint32Array): { hashes: Uint32Array; owners: Uint32Array } {
  const hashes = new Uint32Array(keys.length);
  const owners = new Uint32Array(keys.length);
  let count = 0;
  for (const key of keys) {
    const hash = Math.floor(key / ORDER_BITS);
    if (count > 0 && hashes[count - 1] === hash) continue;
    hashes[count] = hash;
    owners[count] = ownerOfOrder[key - hash * ORDER_BITS] as number;
    count++;
  }
  return { hashes: hashes.slice(0, count), owners: owners.slice(0, count) };
}

function fail(code: HashRingError['code'], message: string): { ok: false; error: HashRingError } {
  return { ok: false, error: new HashRingError(code, message) };
}
