// How fast one user may send: a token bucket per sender for all messages, and one for group
// messages, which fan out to every member. A bucket holds twice its rate, so a short burst goes
// through at once; past it the node paces the sender: it handles the next message only when the
// bucket has a token again. A connection's requests are handled one at a time, so a flood just
// slows down to the rate, and nothing is refused or lost; other users' sessions are not held up.
// The buckets live in the chat node the user is logged in on; one user is logged in on one node
// at a time, so they are per sender in a cluster too.

export interface SendRates {
  messagesPerSecond: number;
  groupSendsPerSecond: number;
}

export const defaultSendRates: SendRates = { messagesPerSecond: 50, groupSendsPerSecond: 5 };

/** Buckets are forgotten once this many senders have one; a forgotten bucket starts full again. */
const maxSenders = 100_000;

/** A send that would have to wait longer than this (only when requests do not come one at a time) is refused. */
export const maxPaceWaitMs = 10_000;

class TokenBucket {
  /** Below zero: tokens promised to sends that are waiting for them. */
  private tokens: number;
  private updatedMs: number;

  constructor(
    private readonly perSecond: number,
    nowMs: number,
  ) {
    this.tokens = this.capacity();
    this.updatedMs = nowMs;
  }

  private capacity(): number {
    return this.perSecond * 2;
  }

  /** Takes a token, now or in the future: how many ms until it is there (0: now). */
  take(nowMs: number): number {
    this.tokens = Math.min(this.capacity(), this.tokens + ((nowMs - this.updatedMs) * this.perSecond) / 1000);
    this.updatedMs = nowMs;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.perSecond);
  }

  /** Gives back a token taken by a send that will not happen. */
  giveBack(): void {
    this.tokens += 1;
  }
}

/** What the node does with a send: go now, wait (ms) and then go, or refuse (the sentence). */
export type Pace = { kind: 'go' } | { kind: 'wait'; ms: number } | { kind: 'refuse'; reason: string };

export class SendRateLimiter {
  private readonly all = new Map<number, TokenBucket>();
  private readonly group = new Map<number, TokenBucket>();

  constructor(
    private readonly rates: SendRates = defaultSendRates,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Takes one send of the user from its buckets. */
  take(userId: number, isGroup: boolean): Pace {
    const now = this.nowMs();
    const all = this.bucketOf(this.all, userId, this.rates.messagesPerSecond, now);
    const group = isGroup ? this.bucketOf(this.group, userId, this.rates.groupSendsPerSecond, now) : undefined;
    const waitMs = Math.max(all.take(now), group?.take(now) ?? 0);
    if (waitMs === 0) return { kind: 'go' };
    if (waitMs <= maxPaceWaitMs) return { kind: 'wait', ms: waitMs };
    all.giveBack();
    group?.giveBack();
    const rate = isGroup ? `${this.rates.groupSendsPerSecond} group messages` : `${this.rates.messagesPerSecond} messages`;
    return { kind: 'refuse', reason: `you are sending faster than ${rate} per second, with more than ${maxPaceWaitMs} ms of sends waiting; this one was not sent: send it again in ${waitMs - maxPaceWaitMs} ms` };
  }

  private bucketOf(buckets: Map<number, TokenBucket>, userId: number, perSecond: number, now: number): TokenBucket {
    let bucket = buckets.get(userId);
    if (!bucket) {
      if (buckets.size >= maxSenders) buckets.clear();
      bucket = new TokenBucket(perSecond, now);
      buckets.set(userId, bucket);
    }
    return bucket;
  }
}
