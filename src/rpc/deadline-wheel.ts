// Deadlines of many calls on one timer. A timer per call costs a timer-list insertion and removal
// per call, and most calls end long before their deadline; here a call joins the list of its
// deadline's time slot (granularityMs wide) and leaves it when it ends, both O(1), and one timer
// waits for the earliest non-empty slot. Deadlines fire up to granularityMs late, never early.
//
// A slot is an array, and an entry remembers its index in it: leaving moves the slot's last
// entry into the gap. (A Set per slot did the same, but rebuilt its table every few hundred
// calls as entries came and went.)
import { MinHeap } from './min-heap.js';

/** What the wheel keeps in an entry: its index in its slot's list. */
export interface DeadlineEntry {
  deadlineIndex: number;
}

/** What add() returns for remove(): the entry's slot list, so that removing needs no look-up. */
export type DeadlineHandle<T> = T[];

const maxTimerDelayMs = 2 ** 31 - 1;

export class DeadlineWheel<T extends DeadlineEntry> {
  private readonly slots = new Map<number, T[]>();
  private readonly slotOrder = new MinHeap();
  /** The slot of the last add(): calls made close together share a slot, so most adds skip the map. */
  private lastSlot = NaN;
  private lastEntries: T[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerSlot = Infinity;
  /** Entries waiting: when the last one leaves, the timer and the empty slots go with it. */
  private count = 0;

  constructor(
    private readonly onExpired: (entry: T) => void,
    private readonly granularityMs = 5,
  ) {}

  /** Schedules `entry` to expire at `deadlineAtMs` (performance.now() time); returns its handle for remove(). */
  add(entry: T, deadlineAtMs: number): DeadlineHandle<T> {
    const slot = Math.ceil(deadlineAtMs / this.granularityMs);
    let entries = slot === this.lastSlot ? this.lastEntries : undefined;
    if (entries === undefined) {
      entries = this.slots.get(slot);
      if (entries === undefined) {
        entries = [];
        this.slots.set(slot, entries);
        this.slotOrder.push(slot);
        if (slot < this.timerSlot) this.arm(slot);
      }
      this.lastSlot = slot;
      this.lastEntries = entries;
    }
    entry.deadlineIndex = entries.length;
    entries.push(entry);
    this.count++;
    return entries;
  }

  /** Takes `entry` out of its slot; a no-op when it expired or was removed already. */
  remove(entry: T, handle: DeadlineHandle<T>): void {
    const index = entry.deadlineIndex;
    if (handle[index] !== entry) return;
    const last = handle.pop()!;
    if (last !== entry) {
      handle[index] = last;
      last.deadlineIndex = index;
    }
    if (--this.count === 0) this.stop();
  }

  /** Number of entries waiting, for gauges and tests. */
  size(): number {
    return this.count;
  }

  /** Whether a timer is armed: none is while no entry waits. */
  isArmed(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerSlot = Infinity;
    for (const entries of this.slots.values()) entries.length = 0;
    this.slots.clear();
    this.slotOrder.clear();
    this.lastSlot = NaN;
    this.lastEntries = undefined;
    this.count = 0;
  }

  private arm(slot: number): void {
    clearTimeout(this.timer);
    this.timerSlot = slot;
    // setTimeout takes at most 2^31-1 ms; a later slot is reached by waking up on the way.
    const delayMs = Math.min(maxTimerDelayMs, Math.max(0, slot * this.granularityMs - performance.now()));
    this.timer = setTimeout(() => this.expire(), delayMs);
    // Pending calls keep their sockets open, which keeps the process alive; the timer need not.
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    this.timerSlot = Infinity;
    const nowSlot = Math.floor(performance.now() / this.granularityMs);
    for (let slot = this.slotOrder.peek(); slot !== undefined && slot <= nowSlot; slot = this.slotOrder.peek()) {
      this.slotOrder.pop();
      const entries = this.slots.get(slot) ?? [];
      this.slots.delete(slot);
      if (slot === this.lastSlot) this.lastEntries = undefined;
      // Emptied first, so that removals while the expired entries are handled are no-ops.
      const expired = entries.slice();
      entries.length = 0;
      this.count -= expired.length;
      for (const entry of expired) this.onExpired(entry);
    }
    const next = this.slotOrder.peek();
    if (next !== undefined) this.arm(next);
  }
}
