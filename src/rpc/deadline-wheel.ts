// Deadlines of many calls on one timer. A timer per call costs a timer-list insertion and removal
// per call, and most calls end long before their deadline; here a call joins the set of its
// deadline's time slot (granularityMs wide) and leaves it when it ends, both O(1), and one timer
// waits for the earliest non-empty slot. Deadlines fire up to granularityMs late, never early.
import { MinHeap } from './min-heap.js';

export class DeadlineWheel<T> {
  private readonly slots = new Map<number, Set<T>>();
  private readonly slotOrder = new MinHeap();
  private timer: NodeJS.Timeout | undefined;
  private timerSlot = Infinity;

  constructor(
    private readonly onExpired: (entry: T) => void,
    private readonly granularityMs = 5,
  ) {}

  /** Schedules `entry` to expire at `deadlineAtMs` (performance.now() time); returns its slot for remove(). */
  add(entry: T, deadlineAtMs: number): number {
    const slot = Math.ceil(deadlineAtMs / this.granularityMs);
    let entries = this.slots.get(slot);
    if (!entries) {
      entries = new Set();
      this.slots.set(slot, entries);
      this.slotOrder.push(slot);
    }
    entries.add(entry);
    if (slot < this.timerSlot) this.arm(slot);
    return slot;
  }

  remove(entry: T, slot: number): void {
    this.slots.get(slot)?.delete(entry);
  }

  /** Number of entries waiting, for gauges and tests. */
  size(): number {
    let total = 0;
    for (const entries of this.slots.values()) total += entries.size;
    return total;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerSlot = Infinity;
    this.slots.clear();
    this.slotOrder.clear();
  }

  private arm(slot: number): void {
    clearTimeout(this.timer);
    this.timerSlot = slot;
    const delayMs = Math.max(0, slot * this.granularityMs - performance.now());
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
      const entries = this.slots.get(slot);
      this.slots.delete(slot);
      for (const entry of entries ?? []) this.onExpired(entry);
    }
    const next = this.slotOrder.peek();
    if (next !== undefined) this.arm(next);
  }
}
