// How many resumes a node works on at once. When a node dies, its
// clients all come back within a second; a node that starts all of their logins at once serves
// them side by side, so every one of them is slow, the first as much as the last: each waits
// for its RPCs behind the thousands of others, clients time out after 10 s, send again, and the
// abandoned logins still run. Through the gate they are served first come, first served, a
// bounded number at a time (256: a resume mostly waits on the store and ZooKeeper, and a narrower
// gate leaves the node idle, docs/benchmarks.md), and the queue drains at the node's full speed. A login that waited too long is answered RESOURCE_EXHAUSTED with a
// retry-after (never started late), and one whose connection closed while it waited is dropped.
// Password logins and registrations do not pass here: the password queue (kdf-queue.ts) paces
// them, with a lane per source, so a guessing flood waiting on the password hash cannot hold
// the places of the resumes.

export interface LoginGateOptions {
  /** Logins worked on at once. */
  concurrency: number;
  /** Logins that may wait for their turn; beyond it one is refused at once. */
  maxQueued: number;
  /** Longest a login waits for its turn before it is refused with a retry-after. */
  maxWaitMs: number;
}

export const defaultLoginGateOptions: LoginGateOptions = {
  concurrency: 256,
  maxQueued: 10_000,
  maxWaitMs: 5_000,
};

export type GateOutcome<T> = { ok: true; value: T } | { ok: false; retryAfterMs: number; why: string };

interface Waiter {
  start: () => void;
  refuse: (why: string) => void;
  timer: NodeJS.Timeout;
  isWanted: () => boolean;
}

/** What a login is assumed to take before one was measured. */
const initialLoginMs = 50;
const minRetryAfterMs = 200;
/** Well within the node's login deadline (10 s after connecting), jitter included. */
const maxRetryAfterMs = 4_000;

export class LoginGate {
  private running = 0;
  /** FIFO: waiting[head...] are the logins not started; a slot emptied by a timeout is undefined. */
  private waiting: (Waiter | undefined)[] = [];
  private head = 0;
  private queued = 0;
  /** Moving average of a login's time once started: how fast the queue drains. */
  private averageLoginMs = initialLoginMs;

  constructor(readonly options: LoginGateOptions = defaultLoginGateOptions) {}

  /** Logins started and not finished, and logins waiting for their turn. */
  stats(): { running: number; queued: number } {
    return { running: this.running, queued: this.queued };
  }

  /**
   * Runs `work` in its turn. `isWanted` is asked when the turn comes: false (the client went
   * away) skips the work, and the outcome is a refusal nobody reads.
   */
  run<T>(isWanted: () => boolean, work: () => Promise<T>): Promise<GateOutcome<T>> {
    if (this.running < this.options.concurrency && this.queued === 0) return this.start(work);
    if (this.queued >= this.options.maxQueued) {
      return Promise.resolve(this.refusal(`${this.queued} resumes are waiting for their turn on this node (maxQueued ${this.options.maxQueued})`));
    }
    return new Promise((resolve, reject) => {
      const index = this.waiting.length;
      const waiter: Waiter = {
        isWanted,
        start: () => void this.start(work).then(resolve, reject),
        refuse: (why) => resolve(this.refusal(why)),
        timer: setTimeout(() => {
          if (this.waiting[index] !== waiter) return;
          this.waiting[index] = undefined;
          this.queued--;
          waiter.refuse(`the resume waited ${this.options.maxWaitMs} ms for its turn among ${this.queued + this.running} others (maxWaitMs)`);
        }, this.options.maxWaitMs),
      };
      this.waiting.push(waiter);
      this.queued++;
    });
  }

  private async start<T>(work: () => Promise<T>): Promise<GateOutcome<T>> {
    this.running++;
    const startedAt = performance.now();
    try {
      return { ok: true, value: await work() };
    } finally {
      this.averageLoginMs = 0.9 * this.averageLoginMs + 0.1 * (performance.now() - startedAt);
      this.running--;
      this.next();
    }
  }

  private next(): void {
    while (this.running < this.options.concurrency && this.head < this.waiting.length) {
      const waiter = this.waiting[this.head];
      this.waiting[this.head++] = undefined;
      if (!waiter) continue;
      this.queued--;
      clearTimeout(waiter.timer);
      if (waiter.isWanted()) waiter.start();
      else waiter.refuse('the connection closed while the resume waited');
    }
    // The array is reused from the start once it has been drained.
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    }
  }

  private refusal<T>(why: string): GateOutcome<T> {
    const drainMs = ((this.queued + 1) * this.averageLoginMs) / this.options.concurrency;
    const retryAfterMs = Math.round(Math.min(maxRetryAfterMs, Math.max(minRetryAfterMs, drainMs)));
    return { ok: false, retryAfterMs, why: `the node is busy with resumes: ${why}; try again in ${retryAfterMs} ms` };
  }
}
