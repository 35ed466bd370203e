// How fast one user may send: a token bucket per sender for all messages, and one for group
// messages, which fan out to every member. A bucket holds twice its rate, so a short burst
// passes and a steady flood is refused. The buckets live in the chat node the user is logged in
// on; one user is logged in on one node at a time, so they are per sender in a cluster too.

export interface SendRates {
  messagesPerSecond: number;
  groupSendsPerSecond: number;
}

export const defaultSendRates: SendRates = { messagesPerSecond: 20, groupSendsPerSecond: 5 };

/** Buckets are forgotten once this many senders have one; a forgotten bucket starts full again. */
const maxSenders = 100_000;

class TokenBucket {
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

  private refill(nowMs: number): void {
    this.tokens = Math.min(this.capacity(), this.tokens + ((nowMs - this.updatedMs) * this.perSecond) / 1000);
    this.updatedMs = nowMs;
  }

  /** Whether a token was there (and is taken now). */
  take(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token. */
  waitMs(): number {
    return Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }
}

export class SendRateLimiter {
  private readonly all = new Map<number, TokenBucket>();
  private readonly group = new Map<number, TokenBucket>();

  constructor(
    private readonly rates: SendRates = defaultSendRates,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Takes one send of the user; undefined when allowed, else the refusal sentence. */
  take(userId: number, isGroup: boolean): string | undefined {
    const now = this.nowMs();
    if (isGroup) {
      const bucket = this.bucketOf(this.group, userId, this.rates.groupSendsPerSecond, now);
      if (!bucket.take(now)) return this.refusal('group messages', this.rates.groupSendsPerSecond, bucket);
    }
    const bucket = this.bucketOf(this.all, userId, this.rates.messagesPerSecond, now);
    if (!bucket.take(now)) return this.refusal('messages', this.rates.messagesPerSecond, bucket);
    return undefined;
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

  private refusal(what: string, perSecond: number, bucket: TokenBucket): string {
    return `you are sending ${what} faster than ${perSecond} per second; this one was not sent: send it again in ${bucket.waitMs()} ms`;
  }
}
