// Where a message goes after it is stored: to the recipients' live sessions. A recipient who is
// not online needs nothing: the message is pending for them and is replayed at their next login.
// A standalone node knows only its own sessions (LocalRouter); a cluster node also asks where
// else a user is logged in and forwards over ChatServiceRpc.
import type { dchat } from '../gen/proto.js';
import type { SessionRegistry } from './session-registry.js';

export interface MessageRouter {
  /** Pushes the message to every recipient that is online; never throws for an offline one. */
  deliver(message: dchat.IChatMessage, recipientIds: readonly number[]): Promise<void>;
  /** Tells online users that userId came online or went offline. */
  announcePresence(userId: number, isOnline: boolean, audienceIds: readonly number[]): Promise<void>;
  isOnline(userId: number): Promise<boolean>;
}

export class LocalRouter implements MessageRouter {
  constructor(private readonly sessions: SessionRegistry) {}

  deliver(message: dchat.IChatMessage, recipientIds: readonly number[]): Promise<void> {
    for (const id of recipientIds) this.sessions.get(id)?.push({ message });
    return Promise.resolve();
  }

  announcePresence(userId: number, isOnline: boolean, audienceIds: readonly number[]): Promise<void> {
    for (const id of audienceIds) this.sessions.get(id)?.push({ presence: { userId, online: isOnline } });
    return Promise.resolve();
  }

  isOnline(userId: number): Promise<boolean> {
    return Promise.resolve(this.sessions.isOnline(userId));
  }
}
