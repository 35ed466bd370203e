// Token buckets keyed by a string (a source address, an account): each key may spend `burst`
// tokens at once and earns `perSecond` back. A bucket that has refilled completely is the same
// as no bucket, so the map forgets such keys when it grows: its size follows the keys active in
// the last burst / perSecond seconds, not every key ever seen.

export interface BucketRate {
  burst: number;
  perSecond: number;
}

/** When the map holds this many keys, refilled ones are swept out before another is added. */
const sweepAtKeys = 10_000;
/** Past this many keys even buckets still refilling are dropped, oldest first: many sources at
 * once (a botnet spraying account ids) must not grow a node's memory without end. A dropped key
 * starts again with a full bucket, which the other buckets and the password queue still bound. */
export const maxKeys = 100_000;

interface Bucket {
  tokens: number;
  atMs: number;
}

export type Take = { ok: true } | { ok: false; retryAfterMs: number };

export class KeyedTokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  /** The size at which the next sweep runs: sweeps cost a pass over the map, so they are spaced. */
  private sweepAtSize = sweepAtKeys;

  constructor(
    readonly rate: BucketRate,
    private readonly now: () => number = Date.now,
  ) {}

  /** Spends one token of key, or says how long until one is there. */
  take(key: string): Take {
    const bucket = this.refilled(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / this.rate.perSecond) * 1000) };
  }

  /** Gives back a token spent by take (the attempt succeeded, or was refused elsewhere for load). */
  refund(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.rate.burst, bucket.tokens + 1);
  }

  size(): number {
    return this.buckets.size;
  }

  private refilled(key: string): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.sweepAtSize) this.sweep(now);
      bucket = { tokens: this.rate.burst, atMs: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    bucket.tokens = Math.min(this.rate.burst, bucket.tokens + ((now - bucket.atMs) / 1000) * this.rate.perSecond);
    bucket.atMs = now;
    return bucket;
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.atMs) / 1000) * this.rate.perSecond >= this.rate.burst) this.buckets.delete(key);
    }
    // Down to 90 %: the next few thousand new keys then need no sweep.
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < maxKeys * 0.9) break;
      this.buckets.delete(key);
    }
    this.sweepAtSize = Math.min(maxKeys, Math.max(sweepAtKeys, 2 * this.buckets.size));
  }
}
