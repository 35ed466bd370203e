// Runs one parsed command against a chat node and says what happened, as lines of text. The
// line client prints them; the full-screen client shows them in its status area.
import { dchat } from '../gen/proto.js';
import type { RequestBody } from '../client/chat-client.js';
import { commandHelp, type Command } from './command-parser.js';
import { formatGroup, formatMessage, formatUser } from './message-format.js';
import { visibleName, visibleText } from './visible-text.js';

/** What runs commands: a ChatClient, or a ChatSession that reconnects. */
export interface Requester {
  request(body: RequestBody): Promise<dchat.client.Response>;
}

export interface RunOutcome {
  lines: string[];
  isError: boolean;
  /** Set by a successful login and cleared by loginout. */
  loggedInAs?: dchat.IUser | null;
}

function requestOf(command: Exclude<Command, { kind: 'help' }>): RequestBody {
  switch (command.kind) {
    case 'register': return { register: { name: command.name, password: command.password } };
    case 'login': return { login: { userId: command.userId, password: command.password } };
    case 'chat': return { chat: { toId: command.friendId, text: command.text } };
    case 'groupchat': return { groupChat: { groupId: command.groupId, text: command.text } };
    case 'addfriend': return { addFriend: { friendId: command.friendId } };
    case 'delfriend': return { delFriend: { friendId: command.friendId } };
    case 'creategroup': return { createGroup: { name: command.name, desc: command.desc, inviteOnly: command.isInviteOnly } };
    case 'invite': return { invite: { groupId: command.groupId, userId: command.userId } };
    case 'addgroup': return { addGroup: { groupId: command.groupId } };
    case 'delgroup': return { delGroup: { groupId: command.groupId } };
    case 'showfriendlist': return { friendList: {} };
    case 'history': return { history: { peerId: command.friendId, limit: command.count } };
    case 'grouphistory': return { history: { groupId: command.groupId, limit: command.count } };
    case 'loginout': return { logout: {} };
    default: {
      const unreachable: never = command;
      throw new Error(`no request for ${String(unreachable)}`);
    }
  }
}

export async function runCommand(client: Requester, command: Command): Promise<RunOutcome> {
  if (command.kind === 'help') return { lines: commandHelp.map(([name, text]) => `  ${name.padEnd(15)} ${text}`), isError: false };
  const response = await client.request(requestOf(command));
  if (response.status !== dchat.Status.OK) {
    return { lines: [`error (${dchat.Status[response.status]}): ${visibleName(response.errorText)}`], isError: true };
  }
  if (command.kind === 'showfriendlist') return friendsAndGroups(client, response);
  return { ...describe(command, response), isError: false };
}

/** Every friend and group, page after page: the node answers lists in pages (docs/protocol.md). */
async function friendsAndGroups(client: Requester, firstFriends: dchat.client.Response): Promise<RunOutcome> {
  const friends = [...(firstFriends.friendList?.friends ?? [])];
  for (let more = firstFriends.friendList?.hasMore ?? false; more && friends.length > 0; ) {
    const page = await client.request({ friendList: { afterId: friends[friends.length - 1]?.id ?? 0 } });
    if (page.status !== dchat.Status.OK) return { lines: [`error (${dchat.Status[page.status]}): ${visibleName(page.errorText)}`], isError: true };
    friends.push(...(page.friendList?.friends ?? []));
    more = (page.friendList?.hasMore ?? false) && (page.friendList?.friends ?? []).length > 0;
  }
  const groups: dchat.IGroup[] = [];
  for (let more = true; more; ) {
    const page = await client.request({ groupList: { afterId: groups[groups.length - 1]?.id ?? 0 } });
    if (page.status !== dchat.Status.OK) return { lines: [`error (${dchat.Status[page.status]}): ${visibleName(page.errorText)}`], isError: true };
    groups.push(...(page.groupList?.groups ?? []));
    more = (page.groupList?.hasMore ?? false) && (page.groupList?.groups ?? []).length > 0;
  }
  const lines = ['friends:', ...friends.map((u) => `  ${formatUser(u)}`)];
  lines.push('groups:', ...groups.map((g) => `  ${formatGroup(g)}`));
  return { lines, isError: false };
}

function describe(command: Exclude<Command, { kind: 'help' | 'showfriendlist' }>, r: dchat.client.Response): Omit<RunOutcome, 'isError'> {
  switch (command.kind) {
    case 'register':
      return { lines: [`registered ${visibleName(r.register?.user?.name ?? '')}: your user id is ${r.register?.user?.id ?? 0}; log in with login:${r.register?.user?.id ?? 0}:<password>`] };
    case 'login': {
      const login = r.login;
      const lines = [`logged in as ${visibleName(login?.user?.name ?? '')} (${login?.user?.id ?? 0}); ${login?.pending ?? 0} message(s) waiting`];
      // The login answer carries the first page of each list; showfriendlist fetches them all.
      const more = (isMore: boolean | null | undefined): string => (isMore ? ', and more: showfriendlist lists them all' : '');
      lines.push(`friends: ${(login?.friends ?? []).map(formatUser).join(', ') || 'none'}${more(login?.moreFriends)}`);
      const requests = login?.friendRequests ?? [];
      if (requests.length > 0) {
        const who = requests.map((r) => `${visibleName(r.from?.name ?? '')} (${r.from?.id ?? 0})`).join(', ');
        lines.push(`friend requests: ${who}${login?.moreFriendRequests ? ' and more' : ''}; addfriend:<id> accepts, delfriend:<id> declines`);
      }
      lines.push(`groups: ${(login?.groups ?? []).map((g) => `${g.id ?? 0} ${visibleName(g.name ?? '')}`).join(', ') || 'none'}${more(login?.moreGroups)}`);
      return { lines, loggedInAs: login?.user ?? null };
    }
    case 'chat':
    case 'groupchat':
      return { lines: [`sent #${r.sent?.messageId ?? 0}`] };
    case 'addfriend': {
      const friend = r.friend?.friend;
      if (r.friend?.requested) return { lines: [`asked ${visibleName(friend?.name ?? '')} (${friend?.id ?? command.friendId}) to be your friend; you become friends when they accept`] };
      return { lines: [`added friend ${friend ? formatUser(friend) : command.friendId}`] };
    }
    case 'delfriend':
      return { lines: [r.delFriend?.wasRequest ? `removed the friend request between you and user ${command.friendId}` : `deleted friend ${command.friendId}`] };
    case 'creategroup':
      return { lines: [`created group ${visibleName(r.group?.group?.name ?? '')}: its group id is ${r.group?.group?.id ?? 0}`] };
    case 'invite':
      return { lines: [r.invite?.joined ? `let user ${command.userId} into group ${command.groupId}` : `invited user ${command.userId} to group ${command.groupId}; they join with addgroup:${command.groupId}`] };
    case 'addgroup':
      if (r.group?.asked) return { lines: [`asked to join group ${command.groupId} (${visibleName(r.group.group?.name ?? '')}), which is invite-only; its creator lets you in`] };
      return { lines: [`joined group ${r.group?.group ? formatGroup(r.group.group) : command.groupId}`] };
    case 'delgroup':
      return { lines: [r.delGroup?.deleted ? `deleted group ${command.groupId}` : `left group ${command.groupId}`] };
    case 'history':
    case 'grouphistory': {
      const messages = [...(r.history?.messages ?? [])].reverse();
      const lines = messages.length === 0 ? ['no messages'] : messages.map(formatMessage);
      if (r.history?.hasMore) lines.unshift('(older messages exist)');
      return { lines };
    }
    case 'loginout':
      return { lines: ['logged out'], loggedInAs: null };
    default: {
      const unreachable: never = command;
      return { lines: [String(unreachable)] };
    }
  }
}

/** A pushed event as a line of text; undefined for events the caller handles itself. */
export function describeEvent(event: dchat.client.Event): string | undefined {
  if (event.kicked) return `disconnected by the server: ${visibleText(event.kicked.reason ?? '')}`;
  if (event.presence) return `user ${event.presence.userId} is ${event.presence.online ? 'online' : 'offline'}`;
  if (event.groupChanged) return `group ${event.groupChanged.groupId} was deleted by its creator`;
  if (event.friendChanged) {
    const friend = event.friendChanged.friend;
    return event.friendChanged.added ? `${visibleName(friend?.name ?? '')} (${friend?.id ?? 0}) accepted: you are friends now` : `user ${friend?.id ?? 0} ended your friendship`;
  }
  if (event.groupInvite) {
    const g = event.groupInvite.group;
    const named = `group ${g?.id ?? 0} (${visibleName(g?.name ?? '')})`;
    return event.groupInvite.joined ? `you were let into ${named}` : `you are invited to ${named}: addgroup:${g?.id ?? 0} joins`;
  }
  if (event.groupMemberChanged) {
    const { group, user, joined } = event.groupMemberChanged;
    return `${visibleName(user?.name ?? '')} (${user?.id ?? 0}) ${joined ? 'joined' : 'left'} group ${group?.id ?? 0} (${visibleName(group?.name ?? '')})`;
  }
  if (event.groupJoinRequest) {
    const { groupId, user } = event.groupJoinRequest;
    return `${visibleName(user?.name ?? '')} (${user?.id ?? 0}) asks to join group ${groupId}: invite:${groupId}:${user?.id ?? 0} lets them in`;
  }
  if (event.friendRequest) {
    const from = event.friendRequest.from;
    const id = from?.id ?? 0;
    return `${visibleName(from?.name ?? '')} (${id}) asks to be your friend: addfriend:${id} accepts, delfriend:${id} declines`;
  }
  return undefined;
}
