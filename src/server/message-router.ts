// Where events go: to the live sessions of the users they are for. A message needs nothing more
// for a recipient who is not online: it is pending for them and is replayed at their next login.
// A standalone node knows only its own sessions (LocalRouter); a cluster node also finds where
// else a user is logged in and pushes there over ChatServiceRpc (cluster-router.ts).
import type { dchat } from '../gen/proto.js';
import { countLivePush } from './chat-metrics.js';
import { encodeEventFrame } from './client-session.js';
import type { SessionRegistry } from './session-registry.js';

export interface MessageRouter {
  /**
   * Pushes the event to every one of the users who is online. Never rejects: a push that fails
   * is logged, and a message it carried stays pending for its next replay.
   */
  push(userIds: readonly number[], event: dchat.client.IEvent): Promise<void>;
  isOnline(userId: number): Promise<boolean>;
}

/** Pushes to the sessions of this node; returns the ids it reached. */
export function pushLocally(sessions: SessionRegistry, userIds: readonly number[], event: dchat.client.IEvent): number[] {
  const reached: number[] = [];
  // Encoded once for all its recipients here (a group message's members): the frame is the same.
  let frame: Uint8Array | undefined;
  for (const id of userIds) {
    const session = sessions.get(id);
    if (!session) continue;
    session.pushEncoded((frame ??= encodeEventFrame(event)));
    if (event.message) countLivePush(event.message);
    reached.push(id);
  }
  return reached;
}

export class LocalRouter implements MessageRouter {
  constructor(private readonly sessions: SessionRegistry) {}

  push(userIds: readonly number[], event: dchat.client.IEvent): Promise<void> {
    pushLocally(this.sessions, userIds, event);
    return Promise.resolve();
  }

  isOnline(userId: number): Promise<boolean> {
    return Promise.resolve(this.sessions.isOnline(userId));
  }
}
