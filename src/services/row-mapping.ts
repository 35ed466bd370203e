// Storage rows to the proto shapes of proto/common.proto.
import type { dchat } from '../gen/proto.js';
import type { GroupMemberRow, GroupRow, MessageRow, UserRow } from '../store/repository.js';

export function userOf(row: UserRow): dchat.IUser {
  return { id: row.id, name: row.name, online: row.state === 'online' };
}

export function memberOf(row: GroupMemberRow): dchat.IGroupMember {
  return { userId: row.userId, name: row.userName, role: row.role };
}

/** memberCount: how many members the group has, of which `members` may be the first few. */
export function groupOf(row: GroupRow, members: readonly GroupMemberRow[] = [], memberCount = members.length): dchat.IGroup {
  return { id: row.id, name: row.name, desc: row.desc, creatorId: row.creatorId, members: members.map(memberOf), memberCount, inviteOnly: row.isInviteOnly };
}

export function messageOf(row: MessageRow): dchat.IChatMessage {
  return {
    id: row.id,
    fromId: row.fromId,
    fromName: row.fromName,
    toId: row.toId,
    groupId: row.groupId,
    text: row.text,
    sentAtMs: row.sentAtMs,
  };
}
