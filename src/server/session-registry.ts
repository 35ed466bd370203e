// The users logged in on this node. One session per user: a second login of the same user
// replaces the first, which is kicked (docs/rules.md).
import type { ClientSession } from './client-session.js';

export class SessionRegistry {
  private readonly byUser = new Map<number, ClientSession>();

  get(userId: number): ClientSession | undefined {
    return this.byUser.get(userId);
  }

  isOnline(userId: number): boolean {
    return this.byUser.has(userId);
  }

  /** Binds the session to its user; returns the session it displaced, if any. */
  bind(session: ClientSession): ClientSession | undefined {
    const previous = this.byUser.get(session.userId);
    this.byUser.set(session.userId, session);
    return previous === session ? undefined : previous;
  }

  /** Unbinds only if this very session is the user's current one. */
  unbind(session: ClientSession): boolean {
    if (this.byUser.get(session.userId) !== session) return false;
    this.byUser.delete(session.userId);
    return true;
  }

  count(): number {
    return this.byUser.size;
  }

  sessions(): IterableIterator<ClientSession> {
    return this.byUser.values();
  }
}
