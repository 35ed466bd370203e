// How many messages wait for each user, kept beside the SQLite file so that the per-message check
// against the pending cap (usersWithPendingAtLeast) reads memory instead of counting rows. A
// user's count is read from the table once, then moved by the writes this store commits: +1 per
// recipient of a saved message, -n for an acknowledgement that removed n rows. Only committed
// writes move it (the write batch calls back after its commit), so a rolled-back save never
// counts. It is exact while this process is the file's only writer, which a standalone node is;
// the map is emptied when it grows past `maxUsers`, and by anything that removes pending rows
// wholesale (deleting a group).
export class PendingCounts {
  private readonly counts = new Map<number, number>();

  constructor(private readonly maxUsers = 100_000) {}

  /** The kept count of the user, or undefined when it must be read from the table. */
  of(userId: number): number | undefined {
    return this.counts.get(userId);
  }

  /** Keeps a count just read from the table (which holds every committed write). */
  seed(userId: number, count: number): void {
    if (this.counts.size >= this.maxUsers) this.counts.clear();
    this.counts.set(userId, count);
  }

  /** Moves a kept count by a committed write; a user not kept is read afresh when needed. */
  add(userId: number, delta: number): void {
    const count = this.counts.get(userId);
    if (count !== undefined) this.counts.set(userId, Math.max(0, count + delta));
  }

  forgetAll(): void {
    this.counts.clear();
  }
}
