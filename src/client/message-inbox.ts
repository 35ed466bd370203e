// The client's half of exactly-once delivery: a message is shown only the first time its id
// arrives (a node replays pending messages after a reconnect, and a live push can cross a
// replay), and every arrival is acknowledged, shown or not, so that the node forgets it.
//
// Acks are gathered, Nagle-like: a message that comes after a quiet spell is acknowledged on the
// next turn of the event loop (with whatever else that read brought), and what comes within
// ackIntervalMs of the last ack waits until that interval has passed and goes in one ack. A
// person reading a conversation acks each message at once, as before; a client receiving a busy
// group's traffic sends four acks a second instead of one per message, and the node reads and
// handles a frame for each ack, not for each message. An ack that has not gone out when the
// client dies leaves its messages pending: the node replays them at the next login.
import type { dchat } from '../gen/proto.js';

/** How long after an ack the next one waits, gathering ids (docs/protocol.md). */
export const defaultAckIntervalMs = 250;
/** Most ids in one ack: as many waiting go out at once. */
export const maxIdsPerAck = 256;

export class MessageInbox {
  private readonly seen = new Set<number>();
  private readonly order: number[] = [];
  private toAck: number[] = [];
  private lastAckAtMs = Number.NEGATIVE_INFINITY;
  private scheduled: { cancel: () => void } | undefined;

  constructor(
    private readonly sendAck: (messageIds: number[]) => void,
    /** How many ids are remembered; far more than a node replays at once. */
    private readonly rememberIds = 100_000,
    private readonly ackIntervalMs = defaultAckIntervalMs,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Returns true when the message is new and should be shown. */
  accept(message: dchat.IChatMessage): boolean {
    const id = message.id ?? 0;
    this.scheduleAck(id);
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    this.order.push(id);
    if (this.order.length > this.rememberIds) this.seen.delete(this.order.shift() ?? 0);
    return true;
  }

  /** Sends the ack of every message accepted and not acknowledged yet, now: before the connection closes. */
  flush(): void {
    this.scheduled?.cancel();
    this.scheduled = undefined;
    const ids = this.toAck;
    if (ids.length === 0) return;
    this.toAck = [];
    this.lastAckAtMs = this.now();
    this.sendAck(ids);
  }

  private scheduleAck(id: number): void {
    this.toAck.push(id);
    if (this.toAck.length >= maxIdsPerAck) {
      this.flush();
      return;
    }
    if (this.scheduled) return;
    const waitMs = this.lastAckAtMs + this.ackIntervalMs - this.now();
    if (waitMs <= 0) {
      const immediate = setImmediate(() => this.flush());
      this.scheduled = { cancel: () => clearImmediate(immediate) };
    } else {
      const timer = setTimeout(() => this.flush(), waitMs);
      this.scheduled = { cancel: () => clearTimeout(timer) };
    }
  }
}
