// The embedded backend: one SQLite file, `dchat.sqlite` in the node's data directory, used by a
// standalone `dchat server`. better-sqlite3 is synchronous; each call is short (an indexed
// lookup or a small transaction), so running it on the event loop costs less than a hop to a
// worker thread would (its WAL checkpoints, which wait for fsyncs, do run in one:
// sqlite-checkpointer.ts). Every statement is prepared once and cached.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  type ChatRepository,
  type Conversation,
  type FriendRequestRow,
  type GroupMemberRow,
  type GroupRole,
  type JoinKind,
  type GroupRow,
  type MessageRow,
  type NewMessage,
  type Page,
  type SavedMessage,
  type SessionTokenRow,
  type UserRow,
  resendLookRows,
  resendWindowMs,
} from './repository.js';
import { byId, describeOldLayout, newestOfBoth, pageLimit, sql, upperId } from './repository-sql.js';
import { upgradesDue } from './schema-upgrades.js';
import { PendingCounts } from './pending-counts.js';
import { SenderNames } from './sender-names.js';
import { sqliteSchema } from './sqlite-schema.js';
import { sqliteStoreError } from './sqlite-error.js';
import { StoreError } from './store-error.js';
import { SqliteWriteBatch } from './sqlite-write-batch.js';
import { defaultCheckpointIntervalMs, defaultRestartAboveFrames, SqliteCheckpointer } from './sqlite-checkpointer.js';

export const sqliteFileName = 'dchat.sqlite';

export interface SqliteStoreOptions {
  /** How long a statement waits for another process's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** A cap on the file's size; writes beyond it fail as on a full disk. For quota-bound deployments. */
  maxDatabaseBytes?: number;
  /**
   * WAL checkpoints in a worker thread (sqlite-checkpointer.ts), so that their fsyncs never pause
   * the event loop; default true. false: SQLite's own, in this thread after a commit.
   */
  checkpointInBackground?: boolean;
  /** How often the worker checkpoints; default defaultCheckpointIntervalMs. */
  checkpointIntervalMs?: number;
  /** The WAL length, in frames, past which this thread restarts it; default defaultRestartAboveFrames. */
  restartWalAboveFrames?: number;
}

const defaultBusyTimeoutMs = 5_000;
/** Id lists go in as one JSON text parameter, so one cached statement serves every length. */
const idListSql = 'SELECT value FROM json_each(?)';
/** Parameters: messageId, a JSON list of recipient ids. */
const pendingRowsOfList = `INSERT OR IGNORE INTO offlinemessage (userid, message_id) SELECT value, ? FROM json_each(?)`;
const noCounts: ReadonlyMap<number, number> = new Map();

export class SqliteStore implements ChatRepository {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly createGroupTx: (name: string, desc: string, creatorId: number, createdAtMs: number, isInviteOnly: boolean) => GroupRow | undefined;
  private readonly deleteGroupTx: (id: number) => boolean;
  private readonly addFriendshipTx: (a: number, b: number) => boolean;
  private readonly saveSessionTokenTx: (token: SessionTokenRow, keepPerUser: number) => void;
  private readonly writes: SqliteWriteBatch;
  private readonly senderNames = new SenderNames();
  private readonly pendingCounts = new PendingCounts();

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
    private readonly checkpointer: SqliteCheckpointer | undefined,
  ) {
    this.writes = new SqliteWriteBatch(db, (err, action) => sqliteStoreError(err, action, file));
    this.createGroupTx = db.transaction((name: string, desc: string, creatorId: number, createdAtMs: number, isInviteOnly: boolean) =>
      this.insertGroup(name, desc, creatorId, createdAtMs, isInviteOnly),
    );
    this.deleteGroupTx = db.transaction((id: number) => {
      let groupRows = 0;
      for (const text of sql.deleteGroup) groupRows = this.stmt(text).run(id).changes;
      return groupRows > 0;
    });
    this.saveSessionTokenTx = db.transaction((token: SessionTokenRow, keepPerUser: number) => {
      this.stmt(sql.insertSessionToken).run(token.userId, token.tokenHash, token.createdAtMs, token.expiresAtMs);
      this.stmt(sql.deleteExpiredSessionTokens).run(token.userId, token.createdAtMs);
      this.stmt(sql.deleteSurplusSessionTokens).run(token.userId, token.userId, Math.max(0, keepPerUser - 1));
    });
    this.addFriendshipTx = db.transaction((a: number, b: number) => {
      const insert = this.stmt('INSERT INTO friend (userid, friendid) VALUES (?, ?) ON CONFLICT DO NOTHING');
      const added = insert.run(a, b).changes;
      return (a === b ? added : added + insert.run(b, a).changes) > 0;
    });
  }

  /** Opens (creating if needed) `dchat.sqlite` in dataDir; throws StoreError when it cannot. */
  static openInDirectory(dataDir: string, options: SqliteStoreOptions = {}): SqliteStore {
    try {
      // dchat's own directory: nobody else may list or read it (the users' password hashes and messages).
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      chmodSync(dataDir, 0o700);
    } catch (err) {
      throw sqliteStoreError(err, 'making the data directory', join(dataDir, sqliteFileName));
    }
    return SqliteStore.openFile(join(dataDir, sqliteFileName), options);
  }

  /** Opens (creating if needed) the database file; throws StoreError when it cannot. */
  static openFile(file: string, options: SqliteStoreOptions = {}): SqliteStore {
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      // Made (or narrowed) to 0600 before SQLite opens it: its -wal and -shm files take the same mode.
      closeSync(openSync(file, 'a', 0o600));
      chmodSync(file, 0o600);
      db = new Database(file);
      const isWal = SqliteStore.configure(db, options);
      const checkpointer =
        isWal && (options.checkpointInBackground ?? true)
          ? new SqliteCheckpointer(db, {
              file,
              intervalMs: options.checkpointIntervalMs ?? defaultCheckpointIntervalMs,
              restartAboveFrames: options.restartWalAboveFrames ?? defaultRestartAboveFrames,
            })
          : undefined;
      return new SqliteStore(db, file, checkpointer);
    } catch (err) {
      db?.close();
      throw sqliteStoreError(err, 'opening the database', file);
    }
  }

  /** Sets the connection up; true when the file is in WAL mode. */
  private static configure(db: Database.Database, options: SqliteStoreOptions): boolean {
    // WAL lets readers run while a write commits; with synchronous=NORMAL a commit waits for no
    // fsync, and a power cut can lose the last commits but never corrupts the file.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? defaultBusyTimeoutMs))}`);
    if (options.maxDatabaseBytes !== undefined) {
      const pageBytes = Number(db.pragma('page_size', { simple: true }));
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxDatabaseBytes / pageBytes))}`);
    }
    return mode === 'wal';
  }

  private stmt(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Runs one repository operation, turning any database failure into a StoreError. */
  private guard<T>(action: string, work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (err) {
      return Promise.reject(sqliteStoreError(err, action, this.file));
    }
  }

  private row<T>(text: string, ...params: unknown[]): T | undefined {
    return this.stmt(text).get(...params) as T | undefined;
  }

  private rows<T>(text: string, ...params: unknown[]): T[] {
    return this.stmt(text).all(...params) as T[];
  }

  migrate(): Promise<void> {
    return this.guard('migrate', () => {
      const columnsOf = (table: string): string[] =>
        this.rows<{ name: string }>('SELECT name FROM pragma_table_info(?)', table).map((r) => r.name);
      const complaint = describeOldLayout(columnsOf, `SQLite ${this.file}`);
      if (complaint) throw new StoreError('DCHAT_STORE_FAILED', complaint);
      const upgrades = upgradesDue(columnsOf);
      this.db.transaction(() => {
        for (const upgrade of upgrades) this.db.exec(upgrade.sqlite);
        for (const statement of sqliteSchema) this.db.exec(statement);
      })();
    });
  }

  /** The tables the database holds now, sorted; `dchat db migrate` reports what it created. */
  tableNames(): Promise<string[]> {
    return this.guard('tableNames', () =>
      this.rows<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").map(
        (r) => r.name,
      ),
    );
  }

  async close(): Promise<void> {
    // The worker's connection goes first: the last one to close checkpoints and removes the WAL.
    await this.checkpointer?.stop();
    return this.guard('close', () => {
      if (this.db.open) this.writes.flush();
      this.statements.clear();
      if (this.db.open) this.db.close();
    });
  }

  createUser(name: string, passwordHash: string, createdAtMs: number): Promise<UserRow | undefined> {
    return this.guard('createUser', () => {
      const info = this.stmt(
        'INSERT INTO `user` (name, password_hash, state, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING',
      ).run(name, passwordHash, 'offline', createdAtMs);
      return info.changes === 0 ? undefined : this.row<UserRow>(sql.userById, Number(info.lastInsertRowid));
    });
  }

  findUserById(id: number): Promise<UserRow | undefined> {
    return this.guard('findUserById', () => this.row<UserRow>(sql.userById, id));
  }

  findUsersByIds(ids: readonly number[]): Promise<UserRow[]> {
    return this.guard('findUsersByIds', () =>
      this.rows<UserRow>(`${sql.selectUser} WHERE u.id IN (${idListSql}) ORDER BY u.id`, JSON.stringify(ids)),
    );
  }

  setUserState(id: number, state: UserRow['state']): Promise<void> {
    return this.guard('setUserState', () => {
      this.stmt(sql.setUserState).run(state, id);
    });
  }

  addFriendship(a: number, b: number): Promise<boolean> {
    return this.guard('addFriendship', () => this.addFriendshipTx(a, b));
  }

  removeFriendship(a: number, b: number): Promise<boolean> {
    return this.guard('removeFriendship', () => this.stmt(sql.deleteFriendship).run(a, b, b, a).changes > 0);
  }

  areFriends(a: number, b: number): Promise<boolean> {
    return this.guard('areFriends', () => this.row(sql.isFriend, a, b) !== undefined);
  }

  listFriends(userId: number, page?: Page): Promise<UserRow[]> {
    return this.guard('listFriends', () =>
      page ? this.rows<UserRow>(sql.friendsPage, userId, page.afterId, pageLimit(page.limit)) : this.rows<UserRow>(sql.friendsOf, userId),
    );
  }

  countFriends(userId: number): Promise<number> {
    return this.guard('countFriends', () => this.row<{ n: number }>(sql.countFriends, userId)?.n ?? 0);
  }

  addFriendRequest(fromId: number, toId: number, createdAtMs: number): Promise<boolean> {
    return this.guard('addFriendRequest', () =>
      this.stmt('INSERT INTO friendrequest (fromid, toid, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(fromId, toId, createdAtMs).changes > 0,
    );
  }

  removeFriendRequest(fromId: number, toId: number): Promise<boolean> {
    return this.guard('removeFriendRequest', () => this.stmt(sql.deleteFriendRequest).run(fromId, toId).changes > 0);
  }

  hasFriendRequest(fromId: number, toId: number, notBeforeMs: number): Promise<boolean> {
    return this.guard('hasFriendRequest', () => this.row(sql.hasFriendRequest, fromId, toId, notBeforeMs) !== undefined);
  }

  listFriendRequestsTo(userId: number, notBeforeMs: number, page: Page): Promise<FriendRequestRow[]> {
    return this.guard('listFriendRequestsTo', () => this.rows<FriendRequestRow>(sql.friendRequestsTo, userId, notBeforeMs, page.afterId, pageLimit(page.limit)));
  }

  countFriendRequests(userId: number, direction: 'to' | 'from', notBeforeMs: number): Promise<number> {
    const text = direction === 'to' ? sql.countFriendRequestsTo : sql.countFriendRequestsFrom;
    return this.guard('countFriendRequests', () => this.row<{ n: number }>(text, userId, notBeforeMs)?.n ?? 0);
  }

  removeExpiredFriendRequests(userId: number, beforeMs: number): Promise<number> {
    return this.guard('removeExpiredFriendRequests', () => this.stmt(sql.deleteExpiredFriendRequests).run(userId, beforeMs).changes);
  }

  createGroup(name: string, desc: string, creatorId: number, createdAtMs: number, isInviteOnly = false): Promise<GroupRow | undefined> {
    return this.guard('createGroup', () => this.createGroupTx(name, desc, creatorId, createdAtMs, isInviteOnly));
  }

  private insertGroup(name: string, desc: string, creatorId: number, createdAtMs: number, isInviteOnly: boolean): GroupRow | undefined {
    const info = this.stmt(
      'INSERT INTO allgroup (groupname, groupdesc, creator_id, created_at, invite_only) VALUES (?, ?, ?, ?, ?) ON CONFLICT (groupname) DO NOTHING',
    ).run(name, desc, creatorId, createdAtMs, isInviteOnly ? 1 : 0);
    if (info.changes === 0) return undefined;
    const groupId = Number(info.lastInsertRowid);
    this.stmt('INSERT INTO groupuser (groupid, userid, grouprole) VALUES (?, ?, ?)').run(groupId, creatorId, 'creator');
    return this.groupRows(sql.groupById, groupId)[0];
  }

  /** Group rows with invite_only as a boolean: SQLite has no boolean type. */
  private groupRows(text: string, ...params: unknown[]): GroupRow[] {
    return this.rows<Omit<GroupRow, 'isInviteOnly'> & { isInviteOnly: number }>(text, ...params).map((g) => ({ ...g, isInviteOnly: g.isInviteOnly === 1 }));
  }

  findGroupById(id: number): Promise<GroupRow | undefined> {
    return this.guard('findGroupById', () => this.groupRows(sql.groupById, id)[0]);
  }

  addJoinRequest(groupId: number, userId: number, kind: JoinKind, createdAtMs: number): Promise<boolean> {
    return this.guard('addJoinRequest', () =>
      this.stmt('INSERT INTO groupjoin (groupid, userid, invited, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(groupId, userId, kind === 'invited' ? 1 : 0, createdAtMs).changes > 0,
    );
  }

  findJoinRequest(groupId: number, userId: number, notBeforeMs: number): Promise<JoinKind | undefined> {
    return this.guard('findJoinRequest', () => {
      const row = this.row<{ invited: number }>(sql.joinRequest, groupId, userId, notBeforeMs);
      return row ? (row.invited === 1 ? 'invited' : 'asked') : undefined;
    });
  }

  removeJoinRequest(groupId: number, userId: number): Promise<boolean> {
    return this.guard('removeJoinRequest', () => this.stmt(sql.deleteJoinRequest).run(groupId, userId).changes > 0);
  }

  countJoinRequests(groupId: number, notBeforeMs: number): Promise<number> {
    return this.guard('countJoinRequests', () => this.row<{ n: number }>(sql.countJoinRequests, groupId, notBeforeMs)?.n ?? 0);
  }

  deleteGroup(id: number): Promise<boolean> {
    return this.guard('deleteGroup', () => {
      try {
        return this.deleteGroupTx(id);
      } finally {
        // The group's messages went with their pending rows, of members counted or not.
        this.pendingCounts.forgetAll();
      }
    });
  }

  addGroupMember(groupId: number, userId: number, role: GroupRole): Promise<boolean> {
    return this.guard('addGroupMember', () => {
      const insert = this.stmt(`${sql.insertMember} ON CONFLICT DO NOTHING`);
      return insert.run(groupId, userId, role, groupId).changes > 0;
    });
  }

  removeGroupMember(groupId: number, userId: number): Promise<boolean> {
    return this.guard('removeGroupMember', () => this.stmt(sql.deleteGroupMember).run(groupId, userId).changes > 0);
  }

  listGroupMembers(groupId: number, limit?: number): Promise<GroupMemberRow[]> {
    return this.guard('listGroupMembers', () =>
      limit === undefined ? this.rows<GroupMemberRow>(sql.groupMembers, groupId) : this.rows<GroupMemberRow>(`${sql.groupMembers} LIMIT ?`, groupId, pageLimit(limit)),
    );
  }

  listGroupMemberIds(groupId: number): Promise<number[]> {
    return this.guard('listGroupMemberIds', () => this.rows<{ id: number }>(sql.groupMemberIds, groupId).map((r) => r.id));
  }

  countGroupMembers(groupId: number): Promise<number> {
    return this.guard('countGroupMembers', () => this.row<{ n: number }>(sql.countGroupMembers, groupId)?.n ?? 0);
  }

  memberJoinedAfter(groupId: number, userId: number): Promise<number | undefined> {
    return this.guard('memberJoinedAfter', () => this.row<{ joinedAfter: number }>(sql.joinedAfter, groupId, userId)?.joinedAfter);
  }

  isGroupMember(groupId: number, userId: number): Promise<boolean> {
    return this.guard('isGroupMember', () => this.row(sql.isGroupMember, groupId, userId) !== undefined);
  }

  listGroupsOfUser(userId: number, page?: Page): Promise<GroupRow[]> {
    return this.guard('listGroupsOfUser', () =>
      page ? this.groupRows(sql.groupsOfUserPage, userId, page.afterId, pageLimit(page.limit)) : this.groupRows(sql.groupsOfUser, userId),
    );
  }

  countGroupsOfUser(userId: number): Promise<number> {
    return this.guard('countGroupsOfUser', () => this.row<{ n: number }>(sql.countGroupsOfUser, userId)?.n ?? 0);
  }

  saveMessage(message: NewMessage): Promise<SavedMessage> {
    return this.writes.run('saveMessage', () => this.insertMessage(message), (saved) => this.countPendingOf(message, saved));
  }

  async saveMessageUnlessFull(message: NewMessage, pendingCap: number): Promise<SavedMessage | 'recipient-full'> {
    // The count is kept in memory (pending-counts.ts): asking it first costs no statement. It is
    // read here, outside the write batch's transaction, where it holds committed rows only.
    const isFull = (await this.usersWithPendingAtLeast([message.toId], pendingCap)).length > 0;
    if (!isFull) return this.saveMessage(message);
    if (!message.isResend) return 'recipient-full';
    // A resend of a stored message is answered with it even when its recipient is full now; one
    // that repeats nothing is refused like any other message.
    return this.writes.run<SavedMessage | 'recipient-full'>('saveMessage', () => this.earlierSend(message) ?? 'recipient-full');
  }

  private countPendingOf(message: NewMessage, saved: SavedMessage): void {
    if (saved.isRepeat) return;
    for (const recipientId of new Set(message.recipientIds)) this.pendingCounts.add(recipientId, 1);
  }

  /**
   * The message a resend repeats: the sender's message with the same key to the same user or group,
   * sent at most resendWindowMs before the resend. Only the sender's resendLookRows newest messages
   * to that user (or to groups) are read, newest first through message_direct, so a resend costs
   * at most that many rows whatever others send and however long the conversation is. Keys are not
   * looked for otherwise (sqlite-schema.ts).
   */
  private earlierSend(message: NewMessage): SavedMessage | undefined {
    const { fromId, toId, groupId, clientMsgId } = message;
    if (!message.isResend || !clientMsgId) return undefined;
    const since = message.sentAtMs - resendWindowMs;
    const found = toId
      ? this.row<{ id: number }>(sql.directResendOriginal, fromId, toId, resendLookRows, clientMsgId, since)
      : this.row<{ id: number }>(sql.groupResendOriginal, fromId, resendLookRows, groupId, clientMsgId, since);
    if (!found) return undefined;
    const row = this.row<MessageRow>(sql.messageById, found.id);
    if (!row) throw new Error(`message ${found.id}, just found by its key, cannot be read`);
    return { row, isRepeat: true };
  }

  /** Runs in a savepoint of the write batch's transaction, which holds the write lock: no other
   * writer can slip in between the look for a resend's original and the insert, and a recipient
   * that cannot be marked undoes the whole save. */
  private insertMessage(message: NewMessage): SavedMessage {
    const earlier = this.earlierSend(message);
    if (earlier) return earlier;
    const info = this.stmt(sql.insertMessage).run(
      message.fromId,
      message.toId || null,
      message.groupId || null,
      message.text,
      message.sentAtMs,
      message.clientMsgId || null,
    );
    const id = Number(info.lastInsertRowid);
    // A group message's pending rows go in one statement: a step into SQLite per member cost the
    // store ~8 % more a group delivery (bench/chat/sqlite-store-cost.ts --group-size 10). A
    // recipient named twice gets one row.
    const recipients = message.recipientIds;
    if (recipients.length === 1) this.stmt(sql.insertPending).run(recipients[0], id);
    else if (recipients.length > 1) this.stmt(pendingRowsOfList).run(id, JSON.stringify(recipients));
    // The row is what was just inserted: built here rather than read back.
    const { fromId, toId, groupId, text, sentAtMs } = message;
    return { row: { id, fromId, fromName: this.senderName(fromId), toId: toId || 0, groupId: groupId || 0, text, sentAtMs }, isRepeat: false };
  }

  private senderName(userId: number): string {
    const kept = this.senderNames.kept(userId);
    if (kept !== undefined) return kept;
    const user = this.row<UserRow>(sql.userById, userId);
    if (!user) throw new Error(`the sender ${userId} of a message just stored does not exist`);
    return this.senderNames.keep(userId, user.name);
  }

  listPending(userId: number, afterId: number, limit: number): Promise<MessageRow[]> {
    return this.guard('listPending', () => this.rows<MessageRow>(sql.pending, userId, afterId, pageLimit(limit)).sort(byId));
  }

  countAllPending(): Promise<number> {
    return this.guard('countAllPending', () => this.row<{ n: number }>(sql.countAllPending)?.n ?? 0);
  }

  ping(): Promise<void> {
    return this.guard('ping', () => {
      this.row(sql.ping);
    });
  }

  countPending(userId: number): Promise<number> {
    return this.guard('countPending', () => this.row<{ n: number }>(sql.countPending, userId)?.n ?? 0);
  }

  usersWithPendingAtLeast(userIds: readonly number[], count: number): Promise<number[]> {
    if (userIds.length === 0) return Promise.resolve([]);
    return this.guard('usersWithPendingAtLeast', () => {
      const seeded = this.seedPendingCounts(userIds);
      const full = [...new Set(userIds)].filter((id) => (this.pendingCounts.of(id) ?? seeded.get(id) ?? 0) >= count);
      return full.sort((a, b) => a - b);
    });
  }

  /** Reads the pending counts of the users not kept yet, in one statement, and keeps them. */
  private seedPendingCounts(userIds: readonly number[]): ReadonlyMap<number, number> {
    const unknown = userIds.filter((id) => this.pendingCounts.of(id) === undefined);
    if (unknown.length === 0) return noCounts;
    if (unknown.length === 1) {
      const id = unknown[0] as number;
      const count = this.row<{ n: number }>(sql.countPending, id)?.n ?? 0;
      this.pendingCounts.seed(id, count);
      return new Map([[id, count]]);
    }
    const counted = new Map(
      this.rows<{ userid: number; n: number }>(
        `SELECT userid, COUNT(*) AS n FROM offlinemessage WHERE userid IN (${idListSql}) GROUP BY userid`,
        JSON.stringify(unknown),
      ).map((r) => [r.userid, r.n]),
    );
    for (const id of unknown) this.pendingCounts.seed(id, counted.get(id) ?? 0);
    return counted;
  }

  listPendingRecipients(messageId: number): Promise<number[]> {
    return this.guard('listPendingRecipients', () => this.rows<{ userid: number }>(sql.pendingRecipients, messageId).map((r) => r.userid));
  }

  ackPending(userId: number, messageIds: readonly number[]): Promise<number> {
    if (messageIds.length === 0) return Promise.resolve(0);
    return this.writes.run(
      'ackPending',
      () => {
        // One id (a message acknowledged alone, as at a conversation's pace) needs no JSON list.
        if (messageIds.length === 1) return this.stmt(sql.deletePending).run(userId, messageIds[0]).changes;
        const remove = this.stmt(`DELETE FROM offlinemessage WHERE userid = ? AND message_id IN (${idListSql})`);
        return remove.run(userId, JSON.stringify(messageIds)).changes;
      },
      (removed) => this.pendingCounts.add(userId, -removed),
    );
  }

  saveSessionToken(token: SessionTokenRow, keepPerUser: number): Promise<void> {
    return this.guard('saveSessionToken', () => this.saveSessionTokenTx(token, keepPerUser));
  }

  listSessionTokens(userId: number, nowMs: number): Promise<SessionTokenRow[]> {
    return this.guard('listSessionTokens', () => this.rows<SessionTokenRow>(sql.sessionTokensOf, userId, nowMs));
  }

  deleteSessionTokens(userId: number): Promise<number> {
    return this.guard('deleteSessionTokens', () => this.stmt(sql.deleteSessionTokens).run(userId).changes);
  }

  history(conversation: Conversation, beforeId: number, limit: number): Promise<MessageRow[]> {
    return this.guard('history', () => {
      const before = upperId(beforeId);
      const max = pageLimit(limit);
      if (conversation.kind === 'group') return this.rows<MessageRow>(sql.groupHistory, conversation.groupId, before, conversation.afterId ?? 0, max);
      const { userId, peerId } = conversation;
      const sent = this.rows<MessageRow>(sql.directHistoryOneWay, userId, peerId, before, max);
      // A conversation with oneself is one direction.
      const received = peerId === userId ? [] : this.rows<MessageRow>(sql.directHistoryOneWay, peerId, userId, before, max);
      return newestOfBoth(sent, received, max);
    });
  }
}
