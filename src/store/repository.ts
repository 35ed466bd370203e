// The one storage interface of dchat. Two backends implement it, SQLite (sqlite-store.ts, the
// embedded default) and MySQL (mysql-store.ts); one contract suite (repository.contract.ts)
// runs against both. Every method is async so that both backends share one shape. Ids are
// plain numbers: every id dchat assigns stays below 2^53.
//
// Methods report expected outcomes in their return values (undefined, false, a count); they
// throw StoreError only when the database itself fails (unreachable, disk full, corrupt).

export interface UserRow {
  id: number;
  name: string;
  /** The encoded password hash (see password-hash.ts), never the password. */
  passwordHash: string;
  /** The seed's user.state: 'online' or 'offline'. Informational; live presence is the node's. */
  state: 'online' | 'offline';
  createdAtMs: number;
}

/** A friend request waiting for its recipient's answer, as the recipient sees it. */
export interface FriendRequestRow {
  fromId: number;
  fromName: string;
  createdAtMs: number;
}

export interface GroupRow {
  id: number;
  name: string;
  desc: string;
  creatorId: number;
  createdAtMs: number;
  /** Only those the creator lets in may join. */
  isInviteOnly: boolean;
}

/** Who waits at the door of an invite-only group: invited by the creator, or asking to join. */
export type JoinKind = 'invited' | 'asked';

export type GroupRole = 'creator' | 'normal';

export interface GroupMemberRow {
  groupId: number;
  userId: number;
  userName: string;
  role: GroupRole;
}

export interface MessageRow {
  id: number;
  fromId: number;
  fromName: string;
  /** The recipient of a one-to-one message; 0 for a group message. */
  toId: number;
  /** The group of a group message; 0 for a one-to-one message. */
  groupId: number;
  text: string;
  sentAtMs: number;
}

export interface NewMessage {
  fromId: number;
  toId: number;
  groupId: number;
  text: string;
  sentAtMs: number;
  /** Every user the message is pending for until they acknowledge it (the sender excluded). */
  recipientIds: readonly number[];
  /**
   * The sender's idempotency key: a resend (isResend) with the same fromId and key, to the same
   * user or group within resendWindowMs of the original and resendLookRows of the sender's
   * messages there (to any group, for a group message), stores nothing and returns the original.
   * MySQL keeps keys unique for good and recognises any repeat, flagged or not, whatever its target.
   */
  clientMsgId?: string;
  /** The sender sent this message before and lost the answer: look for it before storing it. */
  isResend?: boolean;
}

/**
 * How far back a resend is looked for: ten times the 60 s within which dchat's clients resend
 * (client/message-resend.ts), so a client whose clock or reconnect lags is still recognised.
 */
export const resendWindowMs = 10 * 60_000;

/**
 * How many of the sender's newest messages to the same user (or to groups) a store without an
 * index on the key reads at most for one resend: a bound on what a flagged send can cost, since a
 * sender could flag every send. No person sends a thousand messages to one user in ten minutes.
 */
export const resendLookRows = 1_000;

export interface SavedMessage {
  row: MessageRow;
  /**
   * True when (fromId, clientMsgId) was stored already: row is that earlier message, unchanged
   * (its id, time, text and target), and no pending rows were added. The caller compares text
   * and target to tell a resend from a key reused for another message.
   */
  isRepeat: boolean;
}

/** A resume token as stored: its hash only (see schema.sql, session_token). */
export interface SessionTokenRow {
  userId: number;
  /** SHA-256 of the token, 64 hex digits. */
  tokenHash: string;
  createdAtMs: number;
  expiresAtMs: number;
}

/** A page of a list in id order: the items with id > afterId, at most limit. */
export interface Page {
  afterId: number;
  limit: number;
}

/** A group's history starts after message id afterId (a member's join point); 0 or absent: from the start. */
export type Conversation = { kind: 'direct'; userId: number; peerId: number } | { kind: 'group'; groupId: number; afterId?: number };

export interface ChatRepository {
  /** Creates the tables and indexes that do not exist yet; safe to run on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Resolves when the database answers a query; rejects with the StoreError that says why not. */
  ping(): Promise<void>;

  /** Returns undefined when the name is taken. */
  createUser(name: string, passwordHash: string, createdAtMs: number): Promise<UserRow | undefined>;
  findUserById(id: number): Promise<UserRow | undefined>;
  findUsersByIds(ids: readonly number[]): Promise<UserRow[]>;
  setUserState(id: number, state: UserRow['state']): Promise<void>;

  /** Makes a and b friends of each other; false when they already were. */
  addFriendship(a: number, b: number): Promise<boolean>;
  /** Ends the friendship both ways; false when there was none. */
  removeFriendship(a: number, b: number): Promise<boolean>;
  areFriends(a: number, b: number): Promise<boolean>;
  /** Stores that `fromId` asks `toId`; false when that request exists already (its time is kept). */
  addFriendRequest(fromId: number, toId: number, createdAtMs: number): Promise<boolean>;
  /** false when there was no such request. */
  removeFriendRequest(fromId: number, toId: number): Promise<boolean>;
  /** Whether `fromId` asked `toId` at notBeforeMs or later. */
  hasFriendRequest(fromId: number, toId: number, notBeforeMs: number): Promise<boolean>;
  /** The requests to the user made at notBeforeMs or later, ordered by sender id, after page.afterId. */
  listFriendRequestsTo(userId: number, notBeforeMs: number, page: Page): Promise<FriendRequestRow[]>;
  /** How many requests made at notBeforeMs or later wait for the user (direction 'to') or were sent by the user ('from'). */
  countFriendRequests(userId: number, direction: 'to' | 'from', notBeforeMs: number): Promise<number>;
  /** Removes the requests to the user made before beforeMs; returns how many. */
  removeExpiredFriendRequests(userId: number, beforeMs: number): Promise<number>;
  /** Ordered by id; every friend without a page. */
  listFriends(userId: number, page?: Page): Promise<UserRow[]>;
  countFriends(userId: number): Promise<number>;

  /** Creates the group with its creator as first member (role 'creator'); undefined when the name is taken. */
  createGroup(name: string, desc: string, creatorId: number, createdAtMs: number, isInviteOnly?: boolean): Promise<GroupRow | undefined>;
  /** Stores an invitation or a request to join; false when the user has one for the group already. */
  addJoinRequest(groupId: number, userId: number, kind: JoinKind, createdAtMs: number): Promise<boolean>;
  /** The user's invitation or request for the group made at notBeforeMs or later. */
  findJoinRequest(groupId: number, userId: number, notBeforeMs: number): Promise<JoinKind | undefined>;
  removeJoinRequest(groupId: number, userId: number): Promise<boolean>;
  /** How many invitations and requests made at notBeforeMs or later wait at the group's door. */
  countJoinRequests(groupId: number, notBeforeMs: number): Promise<number>;
  findGroupById(id: number): Promise<GroupRow | undefined>;
  /** Deletes the group, its members and its pending deliveries; false when there was no such group. */
  deleteGroup(id: number): Promise<boolean>;
  /** false when the user already was a member. The member's history starts after the group's newest message. */
  addGroupMember(groupId: number, userId: number, role: GroupRole): Promise<boolean>;
  /** false when the user was not a member. */
  removeGroupMember(groupId: number, userId: number): Promise<boolean>;
  /** Ordered by user id; at most limit when given. */
  listGroupMembers(groupId: number, limit?: number): Promise<GroupMemberRow[]>;
  /** The ids of the group's members, in id order (none for a group that does not exist): what a group message needs. */
  listGroupMemberIds(groupId: number): Promise<number[]>;
  countGroupMembers(groupId: number): Promise<number>;
  isGroupMember(groupId: number, userId: number): Promise<boolean>;
  /** The id of the group's newest message when the user joined (0: none, or before joins were recorded); undefined for a non-member. */
  memberJoinedAfter(groupId: number, userId: number): Promise<number | undefined>;
  /** Ordered by group id; every group without a page. */
  listGroupsOfUser(userId: number, page?: Page): Promise<GroupRow[]>;
  countGroupsOfUser(userId: number): Promise<number>;

  /**
   * Stores the message and marks it pending for every recipient, in one transaction; or, when the
   * sender's clientMsgId is stored already, returns that message (isRepeat), also when the two
   * saves race: the unique key (sender, client_msg_id) lets only one insert win.
   */
  saveMessage(message: NewMessage): Promise<SavedMessage>;
  /**
   * saveMessage for a message to one user (message.toId), unless that user already has
   * pendingCap or more messages pending: then nothing is stored and the answer is
   * 'recipient-full'. The count and the save go to the store together (one round trip in MySQL).
   */
  saveMessageUnlessFull(message: NewMessage, pendingCap: number): Promise<SavedMessage | 'recipient-full'>;
  /** Messages pending for the user with id > afterId, oldest first, at most limit. */
  listPending(userId: number, afterId: number, limit: number): Promise<MessageRow[]>;
  countPending(userId: number): Promise<number>;
  /** Pending deliveries of every user (the backlog gauge). */
  countAllPending(): Promise<number>;
  /** Those of the users with at least `count` pending messages, in id order. */
  usersWithPendingAtLeast(userIds: readonly number[], count: number): Promise<number[]>;
  /** The users the message is still pending for (not acknowledged yet), in id order. */
  listPendingRecipients(messageId: number): Promise<number[]>;
  /** Removes the given messages from the user's pending set; returns how many were pending. */
  ackPending(userId: number, messageIds: readonly number[]): Promise<number>;
  /**
   * Stores a resume token and, for its user, drops the tokens expired at createdAtMs and all but
   * the newest keepPerUser (this one included): a user's logins cannot grow the table without end.
   */
  saveSessionToken(token: SessionTokenRow, keepPerUser: number): Promise<void>;
  /** The user's tokens that have not expired at nowMs, newest first. */
  listSessionTokens(userId: number, nowMs: number): Promise<SessionTokenRow[]>;
  /** Revokes every token of the user; returns how many there were. */
  deleteSessionTokens(userId: number): Promise<number>;
  /** The newest messages of the conversation with id < beforeId (0: no bound), newest first, at most limit. */
  history(conversation: Conversation, beforeId: number, limit: number): Promise<MessageRow[]>;
}
