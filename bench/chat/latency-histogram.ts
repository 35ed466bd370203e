// Delivery latencies of one run in logarithmic buckets, each 1% wider than the one before
// (bucket i holds latencies up to 1.01^(i+1) - 1 µs), from below a microsecond to minutes.
// Buckets rather than samples, so that a worker sends a few kilobytes over IPC whatever the
// message rate, and histograms of several workers merge by addition.
const growth = 1.01;
const bucketCount = 2_000;
const logGrowth = Math.log(growth);

export class LatencyHistogram {
  readonly counts: Uint32Array;
  total = 0;

  constructor(counts?: Uint32Array) {
    this.counts = counts ?? new Uint32Array(bucketCount);
    for (const c of this.counts) this.total += c;
  }

  record(latencyUs: number): void {
    const index = Math.min(bucketCount - 1, Math.max(0, Math.floor(Math.log(Math.max(0, latencyUs) + 1) / logGrowth)));
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total++;
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < bucketCount; i++) this.counts[i] = (this.counts[i] ?? 0) + (other.counts[i] ?? 0);
    this.total += other.total;
  }

  /** The latency (ms, upper edge of its bucket: at most 1% high) below which the fraction q of samples lie; NaN when empty. */
  quantileMs(q: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    let i = 0;
    for (; i < bucketCount - 1; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) break;
    }
    return (growth ** (i + 1) - 1) / 1000;
  }
}
