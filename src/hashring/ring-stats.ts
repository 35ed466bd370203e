// How evenly a ring spreads load: the share of the 2^32 hash circle each server owns (exact),
// and the share of a sample of client keys it receives.
import type { HashRing } from './hash-ring.js';

export interface ServerShare {
  readonly server: string;
  readonly points: number;
  /** Fraction of the hash circle, 0..1. */
  readonly arcShare: number;
  readonly keys: number;
}

export interface RingStats {
  readonly servers: ServerShare[];
  readonly sampleKeys: number;
  /** Largest share over the mean share (1 is perfect balance), by arc and by sampled keys. */
  readonly arcMaxOverMean: number;
  readonly keysMaxOverMean: number;
}

const CIRCLE = 2 ** 32;

/** Arc owned by each server index: every point owns the stretch from the previous point to itself. */
export function arcShares(ring: HashRing): Float64Array {
  const { hashes, owners } = ring.sortedTable();
  const shares = new Float64Array(ring.size);
  for (let i = 0; i < hashes.length; i++) {
    const previous = i === 0 ? (hashes[hashes.length - 1] as number) - CIRCLE : (hashes[i - 1] as number);
    const owner = owners[i] as number;
    shares[owner] = (shares[owner] as number) + ((hashes[i] as number) - previous) / CIRCLE;
  }
  return shares;
}

/**
 * Distinct IPv4 client addresses spread over the whole space, the same on every run: the
 * index is scrambled by an odd multiplier, a bijection of 32-bit numbers.
 */
export function sampleClientAddress(index: number): string {
  const x = Math.imul(index + 1, 0x9e3779b1) >>> 0;
  return `${x >>> 24}.${(x >>> 16) & 0xff}.${(x >>> 8) & 0xff}.${x & 0xff}`;
}

export function ringStats(ring: HashRing, sampleKeys: number): RingStats {
  const arcs = arcShares(ring);
  const names = ring.servers();
  const counts = new Map<string, number>(names.map((s) => [s.name, 0]));
  for (let i = 0; i < sampleKeys; i++) {
    const server = ring.serverFor(sampleClientAddress(i));
    if (server !== undefined) counts.set(server, (counts.get(server) ?? 0) + 1);
  }
  const servers = names.map((s, i) => ({ server: s.name, points: s.points, arcShare: arcs[i] ?? 0, keys: counts.get(s.name) ?? 0 }));
  return {
    servers,
    sampleKeys,
    arcMaxOverMean: maxOverMean(servers.map((s) => s.arcShare)),
    keysMaxOverMean: maxOverMean(servers.map((s) => s.keys)),
  };
}

export function maxOverMean(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sum = values.reduce((a, b) => a + b, 0);
  return sum === 0 ? 0 : Math.max(...values) / (sum / values.length);
}
