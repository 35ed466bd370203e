// The queue in front of the password KDF (scrypt: ~200 ms of one core at the production cost).
// Logins and registrations beyond what the cores can hash in time are refused at once with a
// retry-after, instead of piling up behind the others and being answered (or worse, hashed)
// after the caller gave up: a job that would start later than maxWaitMs after it arrived is
// refused on arrival, and one whose start time passed while it waited is dropped unrun.
//
// Jobs are kept in one lane per source (the client's address) and lanes take turns, so a source
// that sends many jobs delays only its own: a newcomer waits for one job of each other source.
import { availableParallelism } from 'node:os';

export interface KdfQueueOptions {
  /** KDF jobs run at once: more than the cores only makes each slower. */
  concurrency: number;
  /** Jobs waiting (beyond those running); past it a job is refused. */
  maxQueued: number;
  /** Longest a job may wait for its turn. Well below the RPC deadline, so no caller times out. */
  maxWaitMs: number;
}

export const defaultKdfQueueOptions: KdfQueueOptions = {
  concurrency: Math.max(1, Math.min(4, availableParallelism())),
  maxQueued: 256,
  maxWaitMs: 3_000,
};

export type KdfOutcome<T> = { ok: true; value: T } | { ok: false; retryAfterMs: number; why: string };

interface Job {
  startBy: number;
  run: () => void;
  refuse: (why: string) => void;
}

/** What the first KDF is assumed to take, before any was measured: the production cost on a slow core. */
const initialKdfMs = 250;
const minRetryAfterMs = 100;
/** Clients are told to come back well within a node's login deadline (10 s after connecting),
 * jitter included: a longer wait would have them closed for not logging in. */
const maxRetryAfterMs = 4_000;

export class KdfQueue {
  private readonly lanes = new Map<string, Job[]>();
  private queued = 0;
  private running = 0;
  /** Moving average of a KDF's run time: how fast the queue drains. */
  private averageKdfMs = initialKdfMs;

  constructor(
    readonly options: KdfQueueOptions = defaultKdfQueueOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs work in its turn among the jobs of every source, or refuses it with a retry-after. */
  run<T>(source: string, work: () => Promise<T>): Promise<KdfOutcome<T>> {
    const waitMs = this.expectedWaitMs(source);
    if (this.running >= this.options.concurrency && this.queued >= this.options.maxQueued) return Promise.resolve(this.refusal(`${this.queued} password checks are queued (maxQueued ${this.options.maxQueued})`));
    if (waitMs > this.options.maxWaitMs) return Promise.resolve(this.refusal(`a password check would wait ~${Math.round(waitMs)} ms > maxWaitMs ${this.options.maxWaitMs}`));
    return new Promise((resolve) => {
      const job: Job = {
        startBy: this.now() + this.options.maxWaitMs,
        run: () => {
          const startedAt = this.now();
          work().then(
            (value) => resolve({ ok: true, value }),
            // A failing KDF is a bug or a bad stored hash; the caller's await reports it.
            (err: unknown) => resolve(Promise.reject(err)),
          ).finally(() => this.finished(this.now() - startedAt));
        },
        refuse: (why) => resolve(this.refusal(why)),
      };
      this.enqueue(source, job);
      this.dispatch();
    });
  }

  /** Jobs waiting now (a dashboard gauge). */
  queuedCount(): number {
    return this.queued;
  }

  private enqueue(source: string, job: Job): void {
    const lane = this.lanes.get(source);
    if (lane) lane.push(job);
    else this.lanes.set(source, [job]);
    this.queued++;
  }

  /** How long a new job of this source would wait: lanes take turns, so the jobs ahead of it are
   * its own lane's plus, from each other lane, as many as its own lane has before it, plus one. */
  private expectedWaitMs(source: string): number {
    const own = this.lanes.get(source)?.length ?? 0;
    let ahead = own;
    for (const [key, lane] of this.lanes) if (key !== source) ahead += Math.min(lane.length, own + 1);
    const beyondFreeSlots = ahead + this.running + 1 - this.options.concurrency;
    return beyondFreeSlots <= 0 ? 0 : Math.ceil(beyondFreeSlots / this.options.concurrency) * this.averageKdfMs;
  }

  private dispatch(): void {
    while (this.running < this.options.concurrency) {
      const job = this.nextJob();
      if (!job) return;
      if (this.now() > job.startBy) {
        job.refuse(`the password check waited more than maxWaitMs ${this.options.maxWaitMs} for its turn and was dropped`);
        continue;
      }
      this.running++;
      job.run();
    }
  }

  /** The first job of the lane whose turn it is; the lane then goes to the back of the turn order. */
  private nextJob(): Job | undefined {
    for (const [source, lane] of this.lanes) {
      const job = lane.shift();
      this.lanes.delete(source);
      if (lane.length > 0) this.lanes.set(source, lane);
      if (job) {
        this.queued--;
        return job;
      }
    }
    return undefined;
  }

  private finished(tookMs: number): void {
    this.running--;
    this.averageKdfMs = 0.8 * this.averageKdfMs + 0.2 * Math.max(1, tookMs);
    this.dispatch();
  }

  private refusal(why: string): KdfOutcome<never> {
    // By then the queue has drained what is in it now; the client adds its own jitter.
    const drainMs = ((this.queued + this.running) / this.options.concurrency) * this.averageKdfMs;
    return { ok: false, retryAfterMs: Math.min(maxRetryAfterMs, Math.max(minRetryAfterMs, Math.round(drainMs))), why };
  }
}
