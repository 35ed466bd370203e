// ChatServiceRpc as a node serves it to the other nodes of its cluster.
import { dchat } from '../gen/proto.js';
import type { ServiceImpl } from '../rpc/service-impl.js';
import { OK } from '../services/result.js';
import type { ClusterPresence } from './cluster-presence.js';
import { pushLocally } from './message-router.js';
import type { SessionRegistry } from './session-registry.js';

export class ChatService implements ServiceImpl<dchat.ChatServiceRpc> {
  constructor(
    private readonly sessions: SessionRegistry,
    private readonly presence: () => ClusterPresence | undefined,
  ) {}

  async push(request: dchat.IPushRequest): Promise<dchat.IPushResponse> {
    const event = request.event ?? {};
    return { result: OK, deliveredIds: pushLocally(this.sessions, request.userIds ?? [], event) };
  }

  async kick(request: dchat.IKickRequest): Promise<dchat.IKickResponse> {
    const userId = request.userId ?? 0;
    const kicked = endMovedSession(this.sessions, userId, request.reason || 'you logged in elsewhere');
    if (kicked) await this.presence()?.release(userId);
    return { result: OK, kicked };
  }
}

/**
 * Ends the user's session on this node because they logged in on another one; false when they
 * have none here. The user is not logging out, they moved: the session is detached before it is
 * closed, so that its close neither marks the user offline nor tells their friends so.
 */
export function endMovedSession(sessions: SessionRegistry, userId: number, reason: string): boolean {
  const session = sessions.get(userId);
  if (!session) return false;
  sessions.unbind(session);
  session.userId = 0;
  session.kick(dchat.client.KickCode.LOGGED_IN_ELSEWHERE, reason);
  return true;
}
