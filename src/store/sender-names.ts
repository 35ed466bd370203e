// Sender names for the message rows saveMessage returns: built from what was just inserted
// rather than read back, they need the sender's name. A user's name never changes (dchat has no
// rename), so a kept name is never stale; the map is emptied when it grows past `max`.
export class SenderNames {
  private readonly names = new Map<number, string>();

  constructor(private readonly max = 100_000) {}

  kept(userId: number): string | undefined {
    return this.names.get(userId);
  }

  keep(userId: number, name: string): string {
    if (this.names.size >= this.max) this.names.clear();
    this.names.set(userId, name);
    return name;
  }
}
