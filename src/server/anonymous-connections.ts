// The connections of a gateway that are not logged in, counted per source address. Before
// login a peer has proved nothing, so what it may hold is small and short: at most
// maxAnonymousPerAddress such connections per address, each for at most the login deadline.
// The gateway calls track() whenever a session may have changed (opened, answered, closed).
import type { ClientSession } from './client-session.js';

export class AnonymousConnections {
  /** Each anonymous session and since when its login clock runs (opened, logged out, or registered a user). */
  private readonly sinceMs = new Map<ClientSession, number>();
  private readonly countByAddress = new Map<string, number>();

  constructor(private readonly maxPerAddress: number) {}

  /** Counts a new connection; false (and not counted) when its address has maxPerAddress already. */
  admit(session: ClientSession): boolean {
    if (this.countOf(session.conn.peerAddress) >= this.maxPerAddress) return false;
    this.add(session);
    return true;
  }

  /** Brings the count in line with the session: anonymous while open and not logged in. */
  track(session: ClientSession): void {
    const isAnonymous = session.conn.isConnected() && !session.isLoggedIn();
    if (isAnonymous === this.sinceMs.has(session)) return;
    if (isAnonymous) this.add(session);
    else this.remove(session);
  }

  /**
   * Restarts the login clock of an anonymous session: it did something a client does before
   * logging in. `waitMs`: it was told to wait that long first (retry_after_ms), so its deadline
   * starts after the wait.
   */
  restartClock(session: ClientSession, waitMs = 0): void {
    if (this.sinceMs.has(session)) this.sinceMs.set(session, Date.now() + waitMs);
  }

  countOf(address: string): number {
    return this.countByAddress.get(address) ?? 0;
  }

  count(): number {
    return this.sinceMs.size;
  }

  /** The anonymous sessions and since when each has been anonymous. */
  entries(): IterableIterator<[ClientSession, number]> {
    return this.sinceMs.entries();
  }

  private add(session: ClientSession): void {
    this.sinceMs.set(session, Date.now());
    const address = session.conn.peerAddress;
    this.countByAddress.set(address, this.countOf(address) + 1);
  }

  private remove(session: ClientSession): void {
    this.sinceMs.delete(session);
    const address = session.conn.peerAddress;
    const left = this.countOf(address) - 1;
    if (left > 0) this.countByAddress.set(address, left);
    else this.countByAddress.delete(address);
  }
}
