// What the full-screen client shows, as one immutable value changed only by `reduceChat`: who is
// logged in, the connection, the conversations (the dchat pane for command output, then one per
// friend, then one per group) with their messages and unread counts, the selection and the status
// line. The client learns almost everything from the responses to its own requests (a login
// brings the friends and groups, `sent` is the user's own message, `history` fills a
// conversation), so the reducer takes the request next to its response and the screen stays a
// function of what the node said. Names and texts from the node are made visible
// (visible-text.ts) as they enter the state, so no control character reaches the screen.
import { dchat } from '../gen/proto.js';
import type { RequestBody } from '../client/chat-client.js';
import type { SessionStatus } from '../client/chat-session.js';
import { visibleName, visibleText } from './visible-text.js';

export type ConversationKey = 'dchat' | `friend:${number}` | `group:${number}`;

export interface ChatLine {
  id: number;
  fromId: number;
  fromName: string;
  text: string;
  sentAtMs: number;
  /**
   * Something that happened in the conversation, not a message (someone joined or left a group).
   * Its id is that of the message it came after, so it stays between that one and the next.
   */
  isNotice?: boolean;
}

export interface Conversation {
  key: ConversationKey;
  kind: 'dchat' | 'friend' | 'group';
  /** The friend's user id or the group id; 0 for the dchat pane. */
  id: number;
  title: string;
  isOnline: boolean;
  /** False for someone who wrote without being a friend: their presence is not pushed. */
  isFriend: boolean;
  /** Chat messages ordered by id; the dchat pane keeps command output here with id 0. */
  lines: ChatLine[];
  unread: number;
  isHistoryLoaded: boolean;
  /** The node has messages older than the oldest loaded (history's has_more). */
  hasOlder: boolean;
  /** A group's creator, by name, when the node told it ('' otherwise). */
  creatorName: string;
}

export interface ChatState {
  server: string;
  connection: { status: SessionStatus; detail: string };
  me: { id: number; name: string } | undefined;
  conversations: Conversation[];
  selectedKey: ConversationKey;
  statusLine: { text: string; isError: boolean };
}

export type ChatAction =
  | { kind: 'connection'; status: SessionStatus; detail: string }
  | { kind: 'response'; request: RequestBody; response: dchat.client.IResponse }
  | { kind: 'event'; event: dchat.client.IEvent }
  | { kind: 'output'; lines: string[]; isError: boolean }
  | { kind: 'status'; text: string; isError: boolean }
  /** Clears the status line if it still says `text`. */
  | { kind: 'status-expired'; text: string }
  | { kind: 'select'; key: ConversationKey }
  | { kind: 'select-next' }
  | { kind: 'select-previous' };

/** How many lines a conversation keeps; older ones are dropped from the screen (history has them). */
export const maxLinesPerConversation = 1000;

export function keyOfFriend(id: number): ConversationKey {
  return `friend:${id}`;
}

export function keyOfGroup(id: number): ConversationKey {
  return `group:${id}`;
}

/** The dchat pane's first lines: what to type first. */
const greeting: ChatLine[] = [
  'Welcome to dchat.',
  'New here?  /register NAME PASSWORD   then   /login ID PASSWORD',
  'Tab moves between conversations; /help lists the commands and keys.',
].map((text) => ({ id: 0, fromId: 0, fromName: '', text, sentAtMs: 0 }));

function dchatPane(extraLines: readonly string[] = []): Conversation {
  const extra = extraLines.map((text) => ({ id: 0, fromId: 0, fromName: '', text, sentAtMs: 0 }));
  return { key: 'dchat', kind: 'dchat', id: 0, title: 'dchat', isOnline: true, isFriend: false, lines: [...greeting, ...extra], unread: 0, isHistoryLoaded: true, hasOlder: false, creatorName: '' };
}

/** `extraGreeting`: lines the dchat pane starts with after the greeting (`dchat up`'s hint). */
export function initialChatState(server: string, extraGreeting: readonly string[] = []): ChatState {
  return {
    server,
    connection: { status: 'connecting', detail: `connecting to ${server}` },
    me: undefined,
    conversations: [dchatPane(extraGreeting)],
    selectedKey: 'dchat',
    statusLine: { text: '/register NAME PASSWORD, then /login ID PASSWORD; /help for more', isError: false },
  };
}

export function selectedConversation(state: ChatState): Conversation {
  return state.conversations.find((c) => c.key === state.selectedKey) ?? state.conversations[0] ?? dchatPane();
}

export function reduceChat(state: ChatState, action: ChatAction): ChatState {
  switch (action.kind) {
    case 'connection':
      return { ...state, connection: { status: action.status, detail: action.detail } };
    case 'response':
      return action.response.status === dchat.Status.OK ? applyResponse(state, action.request, action.response) : state;
    case 'event':
      return applyEvent(state, action.event);
    case 'output':
      return applyOutput(state, action.lines, action.isError);
    case 'status':
      return { ...state, statusLine: { text: visibleText(action.text), isError: action.isError } };
    case 'status-expired':
      return state.statusLine.text === visibleText(action.text) ? { ...state, statusLine: { text: '', isError: false } } : state;
    case 'select':
      return select(state, action.key);
    case 'select-next':
      return selectBy(state, 1);
    case 'select-previous':
      return selectBy(state, -1);
    default: {
      const unreachable: never = action;
      return unreachable;
    }
  }
}

function applyOutput(state: ChatState, rawLines: string[], isError: boolean): ChatState {
  const lines = rawLines.map(visibleText);
  const first = lines[0] ?? '';
  const text = lines.length > 1 ? `${first} (+${lines.length - 1} more lines in the dchat pane)` : first;
  const outputLines = lines.map((line) => ({ id: 0, fromId: 0, fromName: '', text: line, sentAtMs: 0 }));
  const withOutput = updateConversation(state, 'dchat', (c) => ({ ...c, lines: capped([...c.lines, ...outputLines]) }));
  return { ...withOutput, statusLine: { text, isError } };
}

function select(state: ChatState, key: ConversationKey): ChatState {
  if (!state.conversations.some((c) => c.key === key)) return state;
  return updateConversation({ ...state, selectedKey: key }, key, (c) => ({ ...c, unread: 0 }));
}

function selectBy(state: ChatState, step: number): ChatState {
  const count = state.conversations.length;
  const index = state.conversations.findIndex((c) => c.key === state.selectedKey);
  const next = state.conversations[(((index + step) % count) + count) % count];
  return next ? select(state, next.key) : state;
}

function applyResponse(state: ChatState, request: RequestBody, response: dchat.client.IResponse): ChatState {
  if (request.login && response.login) return loggedIn(state, response.login);
  if (request.logout) return { ...state, me: undefined, conversations: [conversationOf(state, 'dchat')], selectedKey: 'dchat' };
  // A later page (after_id set) adds to the list the first page started.
  if (response.friendList) return withFriends(state, [...((request.friendList?.afterId ?? 0) > 0 ? friendsOf(state) : []), ...(response.friendList.friends ?? [])]);
  if (response.groupList) return withGroups(state, [...((request.groupList?.afterId ?? 0) > 0 ? groupsOf(state) : []), ...(response.groupList.groups ?? [])]);
  if (response.friend?.friend && !response.friend.requested) return withFriends(state, [...friendsOf(state), response.friend.friend]);
  if (request.delFriend) return unfriended(state, request.delFriend.friendId ?? 0);
  if (response.group?.group && !response.group.asked) return withGroups(state, [...groupsOf(state), response.group.group]);
  if (request.delGroup) return without(state, keyOfGroup(request.delGroup.groupId ?? 0));
  if (response.history && request.history) return withHistory(state, request.history, response.history);
  if (response.sent) return withOwnMessage(state, request, response.sent);
  return state;
}

/**
 * A login as someone else starts afresh; the same user logging in again (after a reconnect) keeps
 * the messages. So does a first login: the node replays pending messages right after its answer,
 * and one that arrived in the same read can be filed before the answer is.
 */
function loggedIn(state: ChatState, login: dchat.client.ILoginResult): ChatState {
  const me = { id: login.user?.id ?? 0, name: visibleName(login.user?.name ?? '') };
  const isSomeoneElse = state.me !== undefined && me.id !== state.me.id;
  const base: ChatState = isSomeoneElse ? { ...state, me, conversations: [conversationOf(state, 'dchat')], selectedKey: 'dchat' } : { ...state, me };
  return withGroups(withFriends(base, login.friends ?? []), login.groups ?? []);
}

function applyEvent(state: ChatState, event: dchat.client.IEvent): ChatState {
  if (event.message) return withMessage(state, event.message, true);
  if (event.presence) {
    const online = event.presence.online ?? false;
    return updateConversation(state, keyOfFriend(event.presence.userId ?? 0), (c) => ({ ...c, isOnline: online }));
  }
  if (event.groupChanged?.deleted) return without(state, keyOfGroup(event.groupChanged.groupId ?? 0));
  if (event.groupInvite?.joined && event.groupInvite.group) return withGroups(state, [...groupsOf(state), event.groupInvite.group]);
  const member = event.groupMemberChanged;
  if (member?.group) {
    const who = visibleName(member.user?.name ?? '') || `user ${member.user?.id ?? 0}`;
    const text = member.joined ? `--> ${who} joined ${visibleName(member.group.name ?? '')}` : `<-- ${who} left ${visibleName(member.group.name ?? '')}`;
    return withNotice(state, keyOfGroup(member.group.id ?? 0), text);
  }
  const friendChanged = event.friendChanged;
  if (friendChanged?.friend) {
    const friend = friendChanged.friend;
    return friendChanged.added ? withFriends(state, [...friendsOf(state), friend]) : unfriended(state, friend.id ?? 0);
  }
  return state;
}

function conversationOf(state: ChatState, key: ConversationKey): Conversation {
  return state.conversations.find((c) => c.key === key) ?? dchatPane();
}

function friendsOf(state: ChatState): dchat.IUser[] {
  return state.conversations.filter((c) => c.kind === 'friend' && c.isFriend).map((c) => ({ id: c.id, name: c.title, online: c.isOnline }));
}

function groupsOf(state: ChatState): dchat.IGroup[] {
  return state.conversations.filter((c) => c.kind === 'group').map((c) => ({ id: c.id, name: c.title }));
}

/**
 * Replaces the friend conversations by `friends`, keeping the messages of those that stay, the
 * chats with strangers who wrote first (they are no friend list's to remove) and a conversation
 * with someone who is no friend any more while it has messages to read.
 */
function withFriends(state: ChatState, friends: dchat.IUser[]): ChatState {
  const byId = new Map<number, dchat.IUser>();
  for (const f of friends) byId.set(f.id ?? 0, f);
  const conversations = [...byId.values()].map((f) => {
    const key = keyOfFriend(f.id ?? 0);
    const old = state.conversations.find((c) => c.key === key);
    return { ...(old ?? emptyConversation('friend', f.id ?? 0, '')), title: visibleName(f.name ?? ''), isOnline: f.online ?? false, isFriend: true };
  });
  const others = state.conversations
    .filter((c) => c.kind === 'friend' && !byId.has(c.id) && (!c.isFriend || c.lines.length > 0))
    .map((c) => ({ ...c, isFriend: false, isOnline: false }));
  return rebuild(state, [...conversations, ...others], state.conversations.filter((c) => c.kind === 'group'));
}

/** An ended friendship: the conversation stays readable, listed apart from the friends. */
function unfriended(state: ChatState, friendId: number): ChatState {
  const key = keyOfFriend(friendId);
  const kept = updateConversation(state, key, (c) => ({ ...c, isFriend: false, isOnline: false }));
  const conversation = kept.conversations.find((c) => c.key === key);
  if (!conversation || conversation.lines.length > 0) return rebuild(kept, kept.conversations.filter((c) => c.kind === 'friend'), kept.conversations.filter((c) => c.kind === 'group'));
  return without(kept, key);
}

function withGroups(state: ChatState, groups: dchat.IGroup[]): ChatState {
  const byId = new Map<number, dchat.IGroup>();
  for (const g of groups) byId.set(g.id ?? 0, g);
  const conversations = [...byId.values()]
    .sort((a, b) => (a.id ?? 0) - (b.id ?? 0))
    .map((g) => {
      const old = state.conversations.find((c) => c.key === keyOfGroup(g.id ?? 0));
      const creator = (g.members ?? []).find((m) => m.role === 'creator')?.name ?? '';
      return { ...(old ?? emptyConversation('group', g.id ?? 0, '')), title: visibleName(g.name ?? ''), creatorName: creator || (old?.creatorName ?? '') };
    });
  // Chats with people who are not friends (a stranger wrote first) sit among the friends.
  return rebuild(state, state.conversations.filter((c) => c.kind === 'friend'), conversations);
}

/** The order of the list and of Tab: dchat, friends, others who wrote, groups; each by id. */
function rebuild(state: ChatState, friends: Conversation[], groups: Conversation[]): ChatState {
  const byId = (a: Conversation, b: Conversation): number => a.id - b.id;
  const people = [...friends.filter((c) => c.isFriend).sort(byId), ...friends.filter((c) => !c.isFriend).sort(byId)];
  const conversations = [conversationOf(state, 'dchat'), ...people, ...[...groups].sort(byId)];
  const isSelectedKept = conversations.some((c) => c.key === state.selectedKey);
  return { ...state, conversations, selectedKey: isSelectedKept ? state.selectedKey : 'dchat' };
}

function without(state: ChatState, key: ConversationKey): ChatState {
  const conversations = state.conversations.filter((c) => c.key !== key);
  return { ...state, conversations, selectedKey: state.selectedKey === key ? 'dchat' : state.selectedKey };
}

function emptyConversation(kind: 'friend' | 'group', id: number, title: string): Conversation {
  const key = kind === 'friend' ? keyOfFriend(id) : keyOfGroup(id);
  return { key, kind, id, title, isOnline: false, isFriend: false, lines: [], unread: 0, isHistoryLoaded: false, hasOlder: false, creatorName: '' };
}

function withHistory(state: ChatState, request: dchat.client.IHistory, history: dchat.client.IHistoryResult): ChatState {
  const key = (request.groupId ?? 0) !== 0 ? keyOfGroup(request.groupId ?? 0) : keyOfFriend(request.peerId ?? 0);
  const page = (history.messages ?? []).map(lineOf);
  return updateConversation(state, key, (c) => {
    const lines = c.isHistoryLoaded ? c.lines : reanchored(c.lines, page);
    return { ...c, lines: merged(lines, page, true), isHistoryLoaded: true, hasOlder: history.hasMore ?? false };
  });
}

function withOwnMessage(state: ChatState, request: RequestBody, sent: dchat.client.ISentResult): ChatState {
  const me = state.me;
  if (!me) return state;
  const text = request.chat?.text ?? request.groupChat?.text ?? '';
  const message: dchat.IChatMessage = {
    id: sent.messageId ?? 0,
    fromId: me.id,
    fromName: me.name,
    toId: request.chat?.toId ?? 0,
    groupId: request.groupChat?.groupId ?? 0,
    text,
    sentAtMs: sent.sentAtMs ?? 0,
  };
  return withMessage(state, message, false);
}

/** Files a message under its conversation, creating one for a stranger who writes first. */
function withMessage(state: ChatState, message: dchat.IChatMessage, isIncoming: boolean): ChatState {
  const groupId = message.groupId ?? 0;
  const fromId = message.fromId ?? 0;
  const peerId = fromId === state.me?.id ? (message.toId ?? 0) : fromId;
  const key = groupId !== 0 ? keyOfGroup(groupId) : keyOfFriend(peerId);
  let next = state;
  if (!state.conversations.some((c) => c.key === key)) {
    // A message of one's own (sent from the dchat pane) names the recipient only by id.
    const peerName = fromId === state.me?.id ? `user ${peerId}` : visibleName(message.fromName ?? '');
    const stranger = groupId !== 0 ? emptyConversation('group', groupId, `group ${groupId}`) : emptyConversation('friend', peerId, peerName);
    next = groupId !== 0
      ? rebuild(state, state.conversations.filter((c) => c.kind === 'friend'), [...state.conversations.filter((c) => c.kind === 'group'), stranger])
      : rebuild(state, [...state.conversations.filter((c) => c.kind === 'friend'), stranger], state.conversations.filter((c) => c.kind === 'group'));
  }
  const isUnseen = isIncoming && fromId !== state.me?.id && key !== next.selectedKey;
  return updateConversation(next, key, (c) => {
    const lines = merged(c.lines, [lineOf(message)]);
    const isNew = lines.length > c.lines.length;
    return { ...c, lines, unread: c.unread + (isUnseen && isNew ? 1 : 0) };
  });
}

/** A notice at the end of a conversation the client has open; none for one it does not have. */
function withNotice(state: ChatState, key: ConversationKey, text: string): ChatState {
  return updateConversation(state, key, (c) => {
    const anchor = Math.max(0, ...c.lines.filter((l) => !l.isNotice).map((l) => l.id));
    const notice: ChatLine = { id: anchor, fromId: 0, fromName: '', text, sentAtMs: Date.now(), isNotice: true };
    return { ...c, lines: capped([...c.lines, notice]) };
  });
}

/**
 * Before a conversation's first page of history, a notice could follow only the messages pushed
 * live. Those of the page that came before the next live message came before the notice too:
 * it moves after them.
 */
function reanchored(lines: ChatLine[], page: ChatLine[]): ChatLine[] {
  const liveIds = lines.filter((l) => !l.isNotice).map((l) => l.id);
  return lines.map((line) => {
    if (!line.isNotice) return line;
    const next = Math.min(...liveIds.filter((id) => id > line.id));
    return { ...line, id: Math.max(line.id, ...page.map((m) => m.id).filter((id) => id < next)) };
  });
}

function lineOf(m: dchat.IChatMessage): ChatLine {
  return { id: m.id ?? 0, fromId: m.fromId ?? 0, fromName: visibleName(m.fromName ?? ''), text: visibleText(m.text ?? ''), sentAtMs: m.sentAtMs ?? 0 };
}

/**
 * Both lists' lines, each message id once, ordered by id (the node assigns them increasing).
 * Pages of history fetched on purpose (`isHistoryPage`: PageUp past the top) are kept past the
 * cap, so PageUp shows what it fetched and End still reaches the newest.
 */
function merged(old: ChatLine[], added: ChatLine[], isHistoryPage = false): ChatLine[] {
  const byId = new Map<number, ChatLine>();
  const notices: ChatLine[] = [];
  for (const line of [...old, ...added]) {
    if (line.isNotice) notices.push(line);
    else byId.set(line.id, line);
  }
  // A notice after the message of its id; notices of one id keep their order (the sort is stable).
  const lines = [...byId.values(), ...notices].sort((a, b) => a.id - b.id || Number(a.isNotice ?? false) - Number(b.isNotice ?? false));
  return isHistoryPage ? lines : capped(lines);
}

function capped(lines: ChatLine[]): ChatLine[] {
  return lines.length > maxLinesPerConversation ? lines.slice(lines.length - maxLinesPerConversation) : lines;
}

function updateConversation(state: ChatState, key: ConversationKey, change: (c: Conversation) => Conversation): ChatState {
  return { ...state, conversations: state.conversations.map((c) => (c.key === key ? change(c) : c)) };
}
