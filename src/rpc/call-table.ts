// The calls in flight on one connection, by call id: an open-addressing hash table (linear
// probing, deletion by backward shift). A Map does the same job, but every call adds one entry
// and deletes it soon after, and a Map answers that churn by rebuilding its table every few
// hundred calls; here adding and deleting allocate nothing until the table has to grow.
//
// Ids hash by Fibonacci hashing, which spreads the consecutive ids a caller hands out over the
// whole table (no collisions at all for a window of ids smaller than the table).

export interface HasCallId {
  readonly callId: number;
}

const MIN_BITS = 6;
const SHRINK_ABOVE_BITS = 12;

export class CallTable<T extends HasCallId> {
  private bits = MIN_BITS;
  private entries: Array<T | undefined> = new Array<T | undefined>(1 << MIN_BITS).fill(undefined);
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(callId: number): T | undefined {
    const mask = this.entries.length - 1;
    for (let i = this.home(callId); ; i = (i + 1) & mask) {
      const entry = this.entries[i];
      if (entry === undefined || entry.callId === callId) return entry;
    }
  }

  has(callId: number): boolean {
    return this.get(callId) !== undefined;
  }

  /** Adds `entry`, whose id must not be in the table yet. */
  add(entry: T): void {
    if ((this.count + 1) * 2 > this.entries.length) this.resize(this.bits + 1);
    this.place(entry);
    this.count++;
  }

  /** Removes and returns the entry with `callId`, if there is one. */
  delete(callId: number): T | undefined {
    const entries = this.entries;
    const mask = entries.length - 1;
    let hole = this.home(callId);
    for (;;) {
      const entry = entries[hole];
      if (entry === undefined) return undefined;
      if (entry.callId === callId) break;
      hole = (hole + 1) & mask;
    }
    const removed = entries[hole];
    // Backward shift: an entry after the hole moves into it when the hole lies between the
    // entry's home and where it sits, so that every entry stays reachable from its home.
    for (let i = (hole + 1) & mask; ; i = (i + 1) & mask) {
      const entry = entries[i];
      if (entry === undefined) break;
      if (((i - this.home(entry.callId)) & mask) >= ((i - hole) & mask)) {
        entries[hole] = entry;
        hole = i;
      }
    }
    entries[hole] = undefined;
    this.count--;
    // A burst of calls must not pin a large table for the connection's life; below 4096 entries
    // the table keeps its size, or the ebb and flow of each batch of calls would resize it.
    if (this.bits > SHRINK_ABOVE_BITS && this.count * 16 < entries.length) this.resize(this.bits - 1);
    return removed;
  }

  values(): T[] {
    return this.entries.filter((entry): entry is T => entry !== undefined);
  }

  clear(): void {
    this.bits = MIN_BITS;
    this.entries = new Array<T | undefined>(1 << MIN_BITS).fill(undefined);
    this.count = 0;
  }

  private home(callId: number): number {
    return Math.imul(callId, 0x9e3779b1) >>> (32 - this.bits);
  }

  private place(entry: T): void {
    const mask = this.entries.length - 1;
    let i = this.home(entry.callId);
    while (this.entries[i] !== undefined) i = (i + 1) & mask;
    this.entries[i] = entry;
  }

  private resize(bits: number): void {
    const old = this.entries;
    this.bits = bits;
    this.entries = new Array<T | undefined>(1 << bits).fill(undefined);
    for (const entry of old) if (entry !== undefined) this.place(entry);
  }
}
