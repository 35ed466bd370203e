// Tells a group's other members, those online, that someone joined or left it
// (`group_member_changed`), so that their clients can say so in the group's conversation. The
// router carries the event to whatever node each member is on, as it does a message. An
// announcement is a courtesy, not a delivery: one that fails is logged and the change stands (a
// member who was offline learns it from the member list, not from a replay).
import { errorMessage } from '../base/dchat-error.js';
import { createLogger } from '../base/logger.js';
import type { dchat } from '../gen/proto.js';
import type { Services } from '../services/service-api.js';
import type { MessageRouter } from './message-router.js';

const log = createLogger('server.group-member-events');

export interface MemberChange {
  group: dchat.IGroup;
  /** Who joined or left; a name left empty is looked up among the members (a join). */
  user: { id: number; name: string };
  joined: boolean;
}

/**
 * Pushes the change to every member but the one who joined or left. Awaited before the request
 * is answered, so that the announcement of a join reaches the members before anything the
 * newcomer says next.
 */
export async function announceMemberChange(services: Services, router: MessageRouter, change: MemberChange): Promise<void> {
  const groupId = change.group.id ?? 0;
  try {
    const res = await services.group.getGroupMembers({ groupId });
    const members = res.members ?? [];
    const name = change.user.name || (members.find((m) => m.userId === change.user.id)?.name ?? '');
    const others = members.map((m) => m.userId ?? 0).filter((id) => id !== change.user.id);
    if (others.length === 0) return;
    // send() pushes a message on the turn after it answers its sender: wait for that turn, so
    // that a member is told "left" after the last thing the leaver said, not before it.
    await new Promise((resolve) => setImmediate(resolve));
    await router.push(others, {
      groupMemberChanged: { group: { id: groupId, name: change.group.name ?? '' }, user: { id: change.user.id, name }, joined: change.joined },
    });
  } catch (err) {
    log.warn('telling group %d that user %d %s failed: %s', groupId, change.user.id, change.joined ? 'joined' : 'left', errorMessage(err));
  }
}
