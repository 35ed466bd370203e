// The client's half of exactly-once delivery: a message is shown only the first time its id
// arrives (a node replays pending messages after a reconnect, and a live push can cross a
// replay), and every arrival is acknowledged, shown or not, so that the node forgets it.
// Acks of one event-loop turn travel in one request.
import type { dchat } from '../gen/proto.js';

export class MessageInbox {
  private readonly seen = new Set<number>();
  private readonly order: number[] = [];
  private toAck: number[] = [];
  private flushScheduled = false;

  constructor(
    private readonly sendAck: (messageIds: number[]) => void,
    /** How many ids are remembered; far more than a node replays at once. */
    private readonly rememberIds = 100_000,
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

  private scheduleAck(id: number): void {
    this.toAck.push(id);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const ids = this.toAck;
      this.toAck = [];
      if (ids.length > 0) this.sendAck(ids);
    });
  }
}
