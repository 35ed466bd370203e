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

export interface GroupRow {
  id: number;
  name: string;
  desc: string;
  creatorId: number;
  createdAtMs: number;
}

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
  /** The sender's idempotency key: a second save with the same fromId and key stores nothing. */
  clientMsgId?: string;
}

export interface SavedMessage {
  row: MessageRow;
  /**
   * True when (fromId, clientMsgId) was stored already: row is that earlier message, unchanged
   * (its id, time, text and target), and no pending rows were added. The caller compares text
   * and target to tell a resend from a key reused for another message.
   */
  isRepeat: boolean;
}

export type Conversation = { kind: 'direct'; userId: number; peerId: number } | { kind: 'group'; groupId: number };

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
  listFriends(userId: number): Promise<UserRow[]>;

  /** Creates the group with its creator as first member (role 'creator'); undefined when the name is taken. */
  createGroup(name: string, desc: string, creatorId: number, createdAtMs: number): Promise<GroupRow | undefined>;
  findGroupById(id: number): Promise<GroupRow | undefined>;
  /** Deletes the group, its members and its pending deliveries; false when there was no such group. */
  deleteGroup(id: number): Promise<boolean>;
  /** false when the user already was a member. */
  addGroupMember(groupId: number, userId: number, role: GroupRole): Promise<boolean>;
  /** false when the user was not a member. */
  removeGroupMember(groupId: number, userId: number): Promise<boolean>;
  listGroupMembers(groupId: number): Promise<GroupMemberRow[]>;
  isGroupMember(groupId: number, userId: number): Promise<boolean>;
  listGroupsOfUser(userId: number): Promise<GroupRow[]>;

  /**
   * Stores the message and marks it pending for every recipient, in one transaction; or, when the
   * sender's clientMsgId is stored already, returns that message (isRepeat), also when the two
   * saves race: the unique key (sender, client_msg_id) lets only one insert win.
   */
  saveMessage(message: NewMessage): Promise<SavedMessage>;
  /** Messages pending for the user with id > afterId, oldest first, at most limit. */
  listPending(userId: number, afterId: number, limit: number): Promise<MessageRow[]>;
  countPending(userId: number): Promise<number>;
  /** Pending deliveries of every user (the backlog gauge). */
  countAllPending(): Promise<number>;
  /** The users the message is still pending for (not acknowledged yet), in id order. */
  listPendingRecipients(messageId: number): Promise<number[]>;
  /** Removes the given messages from the user's pending set; returns how many were pending. */
  ackPending(userId: number, messageIds: readonly number[]): Promise<number>;
  /** The newest messages of the conversation with id < beforeId (0: no bound), newest first, at most limit. */
  history(conversation: Conversation, beforeId: number, limit: number): Promise<MessageRow[]>;
}
