// The cluster backend: MySQL or MariaDB through a mysql2 connection pool. Every statement is a
// server-side prepared statement with bound parameters (mysql2 caches them per connection).
// The pool replaces connections that break, so a server that restarts is used again as soon as
// it is back; while it is away every call rejects with StoreError DCHAT_STORE_UNAVAILABLE.
// Past 400 lines because it is one short method per repository operation, next to the pool,
// transaction and error helpers they all share; split, each half would need the helpers.
import { errorMessage } from '../base/dchat-error.js';
import { createLogger } from '../base/logger.js';
import mysql, { type Pool, type PoolConnection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import type {
  ChatRepository,
  Conversation,
  FriendRequestRow,
  GroupMemberRow,
  GroupRole,
  JoinKind,
  GroupRow,
  MessageRow,
  NewMessage,
  Page,
  SavedMessage,
  SessionTokenRow,
  UserRow,
} from './repository.js';
import { byId, describeOldLayout, newestOfBoth, pageLimit, sql, upperId } from './repository-sql.js';
import { isDuplicateKey, mysqlStoreError } from './mysql-error.js';
import { readMySqlSchema } from './mysql-schema.js';
import { upgradesDue, wideningsDue } from './schema-upgrades.js';
import { userRow, groupRow, memberRow, messageRow, sessionTokenRow } from './mysql-rows.js';
import { answerWithin, bulkAnswerTimeoutMs, defaultAnswerTimeoutMs } from './mysql-answer.js';
import { MySqlWriteBatch } from './mysql-write-batch.js';
import { sqlIdOrNull, sqlInt, sqlText } from './sql-literal.js';
import { SenderNames } from './sender-names.js';
import { StoreError } from './store-error.js';
import { countMysqlCommit, metricsNow } from './store-metrics.js';
import { describeMySql, type MySqlLocation } from './store-url.js';

export interface MySqlStoreOptions {
  /** Connections the pool may open; callers beyond it wait for one. */
  connectionLimit?: number;
  /** How long opening one connection may take before the call fails as unavailable. */
  connectTimeoutMs?: number;
  /** How long a statement (or a batch of message writes) may go unanswered before it fails as unavailable (mysql-answer.ts). */
  answerTimeoutMs?: number;
}

type Executor = Pool | PoolConnection;
type Param = string | number | null;

const defaultConnectionLimit = 8;
const defaultConnectTimeoutMs = 5_000;
/** Longest id list bound in one statement; longer lists are sent in chunks. */
const maxIdsPerStatement = 500;

function placeholders(count: number): string {
  return new Array<string>(count).fill('?').join(', ');
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The message's INSERT with its values as literals, ending in `VALUES (…)` or `SELECT …` (to add a FROM/WHERE). */
function insertMessageText(m: NewMessage, form: 'VALUES' | 'SELECT'): string {
  const values = [sqlInt(m.fromId), sqlIdOrNull(m.toId), sqlIdOrNull(m.groupId), sqlText(m.text), sqlInt(m.sentAtMs), sqlText(m.clientMsgId || undefined)].join(', ');
  const columns = 'INSERT INTO message (sender_id, recipient_id, group_id, body, sent_at, client_msg_id)';
  return form === 'VALUES' ? `${columns} VALUES (${values})` : `${columns} SELECT ${values}`;
}

/** Pending rows for the message inserted just before (LAST_INSERT_ID() of this connection). */
function insertPendingText(userIds: readonly number[]): string {
  return `${sql.insertPendingRows} ${userIds.map((id) => `(${sqlInt(id)}, LAST_INSERT_ID())`).join(', ')}`;
}

/** The row just inserted, built rather than read back. */
function savedRow(m: NewMessage, id: number, fromName: string): MessageRow {
  return { id, fromId: m.fromId, fromName, toId: m.toId || 0, groupId: m.groupId || 0, text: m.text, sentAtMs: m.sentAtMs };
}

const log = createLogger('store.mysql');

/** How often a transaction chosen as a deadlock's victim is run again before the error is the caller's. */
const deadlockRetries = 4;

export class MySqlStore implements ChatRepository {
  private readonly pool: Pool;
  private readonly batchPool: Pool;
  private isClosed = false;
  private readonly senderNames = new SenderNames();
  /** Message saves and acks of one turn commit together (mysql-write-batch.ts). */
  private readonly writes: MySqlWriteBatch;

  constructor(
    readonly location: MySqlLocation,
    private readonly options: MySqlStoreOptions = {},
  ) {
    const poolOptions: mysql.PoolOptions = {
      ...this.connectionOptions(),
      database: location.database,
      connectionLimit: options.connectionLimit ?? defaultConnectionLimit,
      waitForConnections: true,
      enableKeepAlive: true,
    };
    this.pool = mysql.createPool(poolOptions);
    // Only the write batches send several statements in one query, each value a literal.
    this.batchPool = mysql.createPool({ ...poolOptions, multipleStatements: true });
    this.writes = new MySqlWriteBatch(this.batchPool, countMysqlCommit, metricsNow, this.answerTimeoutMs);
  }

  private get answerTimeoutMs(): number {
    return this.options.answerTimeoutMs ?? defaultAnswerTimeoutMs;
  }

  private connectionOptions(): mysql.ConnectionOptions {
    const { host, port, user, password } = this.location;
    return {
      host,
      port,
      user,
      password,
      charset: 'UTF8MB4_UNICODE_CI',
      connectTimeout: this.options.connectTimeoutMs ?? defaultConnectTimeoutMs,
      // mysql2 otherwise captures a stack trace for every statement, in case it fails: 5 % of a
      // cluster node's CPU in a reconnect storm. A failure is told by mysqlStoreError, which names
      // the operation and the server; the caller's stack adds nothing to that.
      trace: false,
    };
  }

  /** Runs one repository operation, turning any database failure into a StoreError. */
  private async guard<T>(action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw mysqlStoreError(err, action, this.location);
    }
  }

  private async rows(on: Executor, text: string, params: Param[]): Promise<RowDataPacket[]> {
    return this.execute<RowDataPacket[]>(on, text, params);
  }

  private async write(on: Executor, text: string, params: Param[], timeoutMs = this.answerTimeoutMs): Promise<ResultSetHeader> {
    return this.execute<ResultSetHeader>(on, text, params, timeoutMs);
  }

  /**
   * One prepared statement on a connection, or on one taken from the pool for it, answered within
   * timeoutMs or failed as unanswered with the connection destroyed (mysql-answer.ts).
   */
  private async execute<T>(on: Executor, text: string, params: Param[], timeoutMs = this.answerTimeoutMs): Promise<T> {
    const run = (conn: PoolConnection): Promise<T> => answerWithin(conn, timeoutMs, async () => (await conn.execute(text, params))[0] as T);
    if (on !== this.pool) return run(on as PoolConnection);
    const conn = await this.pool.getConnection();
    try {
      return await run(conn);
    } finally {
      conn.release(); // nothing when the timeout destroyed it
    }
  }

  /** One statement without parameters on conn (BEGIN, COMMIT, ROLLBACK), answered within the timeout. */
  private async command(conn: PoolConnection, text: string): Promise<void> {
    await answerWithin(conn, this.answerTimeoutMs, () => conn.query(text));
  }

  /** Inserts one row; false instead of an error when a unique key already holds it. */
  private async insertUnlessDuplicate(on: Executor, text: string, params: Param[]): Promise<ResultSetHeader | undefined> {
    try {
      return await this.write(on, text, params);
    } catch (err) {
      if (isDuplicateKey(err)) return undefined;
      throw err;
    }
  }

  /**
   * Runs `attempt` (one statement, or a whole transaction: a deadlock rolls it back entirely) again when InnoDB
   * chose it as a deadlock's victim, up to deadlockRetries times, after a short random pause so
   * that the two do not meet again at once.
   */
  private async retryingDeadlocks<T>(attempt: () => Promise<T>): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await attempt();
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if ((code !== 'ER_LOCK_DEADLOCK' && code !== 'ER_LOCK_WAIT_TIMEOUT') || retry >= deadlockRetries) throw err;
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * (retry + 1)));
      }
    }
  }

  /** Runs work in one transaction on one pooled connection; rolls back on any error. */
  private async transaction<T>(work: (conn: PoolConnection) => Promise<T>): Promise<T> {
    const conn = await this.pool.getConnection();
    try {
      const beganMs = metricsNow();
      await this.command(conn, 'START TRANSACTION');
      const result = await work(conn);
      await this.command(conn, 'COMMIT');
      countMysqlCommit(beganMs);
      conn.release();
      return result;
    } catch (err) {
      // A destroyed connection (the server did not answer) rejects at once and stays destroyed.
      await this.command(conn, 'ROLLBACK').then(
        () => conn.release(),
        () => conn.destroy(), // a connection that cannot even roll back is broken: never reuse it
      );
      throw err;
    }
  }

  async migrate(): Promise<void> {
    const { database } = this.location;
    await this.guard('migrate', async () => {
      // Only this one connection allows several statements per call, to run schema.sql whole.
      const conn = await mysql.createConnection({ ...this.connectionOptions(), multipleStatements: true });
      conn.on('error', () => undefined); // the awaited calls report failures
      try {
        // The name cannot be bound: store-url.ts admits only [A-Za-z0-9_] in it.
        await conn.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
        await conn.query(`USE \`${database}\``);
        const columnsOf = await this.readColumns(conn);
        await conn.query(readMySqlSchema());
        for (const upgrade of upgradesDue(columnsOf)) await conn.query(upgrade.mysql);
        for (const widening of wideningsDue(await this.readWidths(conn))) await conn.query(widening.mysql);
      } finally {
        await conn.end().catch(() => conn.destroy());
      }
    });
  }

  /** The columns of the existing tables, before the schema runs; refuses the seed's layout. */
  private async readColumns(conn: mysql.Connection): Promise<(table: string) => string[]> {
    const [rows] = await conn.execute<RowDataPacket[]>(
      'SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?',
      [this.location.database],
    );
    const columnsOf = (table: string): string[] => rows.filter((r) => r['t'] === table).map((r) => String(r['c']));
    const complaint = describeOldLayout(columnsOf, `MySQL database ${this.location.database} at ${describeMySql(this.location)}`);
    if (complaint) throw new StoreError('DCHAT_STORE_FAILED', complaint);
    return columnsOf;
  }

  /** The width in characters of every text column of the database, as the server reports it. */
  private async readWidths(conn: mysql.Connection): Promise<(table: string, column: string) => number | undefined> {
    const [rows] = await conn.execute<RowDataPacket[]>(
      'SELECT TABLE_NAME AS t, COLUMN_NAME AS c, CHARACTER_MAXIMUM_LENGTH AS w FROM information_schema.COLUMNS ' +
        'WHERE TABLE_SCHEMA = ? AND CHARACTER_MAXIMUM_LENGTH IS NOT NULL',
      [this.location.database],
    );
    const widths = new Map(rows.map((r) => [`${String(r['t'])}.${String(r['c'])}`, Number(r['w'])]));
    return (table, column) => widths.get(`${table}.${column}`);
  }

  /** The tables the database holds now, sorted; none while the database does not exist yet. */
  tableNames(): Promise<string[]> {
    return this.guard('tableNames', async () => {
      const text = 'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME';
      const conn = await mysql.createConnection(this.connectionOptions());
      try {
        const [rows] = await conn.execute<RowDataPacket[]>(text, [this.location.database]);
        return rows.map((r) => String(r['name']));
      } finally {
        await conn.end().catch(() => conn.destroy());
      }
    });
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.guard('close', () => Promise.all([this.pool.end(), this.batchPool.end()]));
  }

  createUser(name: string, passwordHash: string, createdAtMs: number): Promise<UserRow | undefined> {
    return this.guard('createUser', async () => {
      const result = await this.insertUnlessDuplicate(
        this.pool,
        'INSERT INTO `user` (name, password_hash, state, created_at) VALUES (?, ?, ?, ?)',
        [name, passwordHash, 'offline', createdAtMs],
      );
      if (!result) return undefined;
      return { id: result.insertId, name, passwordHash, state: 'offline', createdAtMs };
    });
  }

  findUserById(id: number): Promise<UserRow | undefined> {
    return this.guard('findUserById', async () => {
      const [row] = await this.rows(this.pool, sql.userById, [id]);
      return row && userRow(row);
    });
  }

  findUsersByIds(ids: readonly number[]): Promise<UserRow[]> {
    return this.guard('findUsersByIds', async () => {
      const found: UserRow[] = [];
      for (const part of chunks([...new Set(ids)], maxIdsPerStatement)) {
        const rows = await this.rows(this.pool, `${sql.selectUser} WHERE u.id IN (${placeholders(part.length)})`, part);
        found.push(...rows.map(userRow));
      }
      return found.sort((a, b) => a.id - b.id);
    });
  }

  setUserState(id: number, state: UserRow['state']): Promise<void> {
    return this.guard('setUserState', async () => {
      await this.write(this.pool, sql.setUserState, [state, id]);
    });
  }

  addFriendship(a: number, b: number): Promise<boolean> {
    return this.guard('addFriendship', () =>
      this.transaction(async (conn) => {
        const insert = 'INSERT INTO friend (userid, friendid) VALUES (?, ?)';
        const forward = await this.insertUnlessDuplicate(conn, insert, [a, b]);
        const backward = a === b ? undefined : await this.insertUnlessDuplicate(conn, insert, [b, a]);
        return forward !== undefined || backward !== undefined;
      }),
    );
  }

  removeFriendship(a: number, b: number): Promise<boolean> {
    return this.guard('removeFriendship', async () => (await this.write(this.pool, sql.deleteFriendship, [a, b, b, a])).affectedRows > 0);
  }

  areFriends(a: number, b: number): Promise<boolean> {
    return this.guard('areFriends', async () => (await this.rows(this.pool, sql.isFriend, [a, b])).length > 0);
  }

  listFriends(userId: number, page?: Page): Promise<UserRow[]> {
    return this.guard('listFriends', async () => {
      const rows = page ? await this.rows(this.pool, sql.friendsPage, [userId, page.afterId, pageLimit(page.limit)]) : await this.rows(this.pool, sql.friendsOf, [userId]);
      return rows.map(userRow);
    });
  }

  countFriends(userId: number): Promise<number> {
    return this.guard('countFriends', () => this.count(sql.countFriends, userId));
  }

  private async count(text: string, param: number): Promise<number> {
    const [row] = await this.rows(this.pool, text, [param]);
    return Number(row?.['n'] ?? 0);
  }

  addFriendRequest(fromId: number, toId: number, createdAtMs: number): Promise<boolean> {
    return this.guard('addFriendRequest', async () => {
      const insert = 'INSERT INTO friendrequest (fromid, toid, created_at) VALUES (?, ?, ?)';
      return (await this.insertUnlessDuplicate(this.pool, insert, [fromId, toId, createdAtMs])) !== undefined;
    });
  }

  removeFriendRequest(fromId: number, toId: number): Promise<boolean> {
    return this.guard('removeFriendRequest', async () => (await this.write(this.pool, sql.deleteFriendRequest, [fromId, toId])).affectedRows > 0);
  }

  hasFriendRequest(fromId: number, toId: number, notBeforeMs: number): Promise<boolean> {
    return this.guard('hasFriendRequest', async () => (await this.rows(this.pool, sql.hasFriendRequest, [fromId, toId, notBeforeMs])).length > 0);
  }

  listFriendRequestsTo(userId: number, notBeforeMs: number, page: Page): Promise<FriendRequestRow[]> {
    return this.guard('listFriendRequestsTo', async () =>
      (await this.rows(this.pool, sql.friendRequestsTo, [userId, notBeforeMs, page.afterId, pageLimit(page.limit)])).map((r) => ({
        fromId: Number(r['fromId']),
        fromName: String(r['fromName']),
        createdAtMs: Number(r['createdAtMs']),
      })),
    );
  }

  countFriendRequests(userId: number, direction: 'to' | 'from', notBeforeMs: number): Promise<number> {
    const text = direction === 'to' ? sql.countFriendRequestsTo : sql.countFriendRequestsFrom;
    return this.guard('countFriendRequests', async () => {
      const [row] = await this.rows(this.pool, text, [userId, notBeforeMs]);
      return Number(row?.['n'] ?? 0);
    });
  }

  removeExpiredFriendRequests(userId: number, beforeMs: number): Promise<number> {
    return this.guard('removeExpiredFriendRequests', async () => (await this.write(this.pool, sql.deleteExpiredFriendRequests, [userId, beforeMs])).affectedRows);
  }

  createGroup(name: string, desc: string, creatorId: number, createdAtMs: number, isInviteOnly = false): Promise<GroupRow | undefined> {
    return this.guard('createGroup', () =>
      this.transaction(async (conn) => {
        const result = await this.insertUnlessDuplicate(
          conn,
          'INSERT INTO allgroup (groupname, groupdesc, creator_id, created_at, invite_only) VALUES (?, ?, ?, ?, ?)',
          [name, desc, creatorId, createdAtMs, isInviteOnly ? 1 : 0],
        );
        if (!result) return undefined;
        await this.write(conn, 'INSERT INTO groupuser (groupid, userid, grouprole) VALUES (?, ?, ?)', [result.insertId, creatorId, 'creator']);
        return { id: result.insertId, name, desc, creatorId, createdAtMs, isInviteOnly };
      }),
    );
  }

  addJoinRequest(groupId: number, userId: number, kind: JoinKind, createdAtMs: number): Promise<boolean> {
    return this.guard('addJoinRequest', async () => {
      const insert = 'INSERT INTO groupjoin (groupid, userid, invited, created_at) VALUES (?, ?, ?, ?)';
      return (await this.insertUnlessDuplicate(this.pool, insert, [groupId, userId, kind === 'invited' ? 1 : 0, createdAtMs])) !== undefined;
    });
  }

  findJoinRequest(groupId: number, userId: number, notBeforeMs: number): Promise<JoinKind | undefined> {
    return this.guard('findJoinRequest', async () => {
      const [row] = await this.rows(this.pool, sql.joinRequest, [groupId, userId, notBeforeMs]);
      return row ? (Number(row['invited']) === 1 ? 'invited' : 'asked') : undefined;
    });
  }

  removeJoinRequest(groupId: number, userId: number): Promise<boolean> {
    return this.guard('removeJoinRequest', async () => (await this.write(this.pool, sql.deleteJoinRequest, [groupId, userId])).affectedRows > 0);
  }

  countJoinRequests(groupId: number, notBeforeMs: number): Promise<number> {
    return this.guard('countJoinRequests', async () => {
      const [row] = await this.rows(this.pool, sql.countJoinRequests, [groupId, notBeforeMs]);
      return Number(row?.['n'] ?? 0);
    });
  }

  findGroupById(id: number): Promise<GroupRow | undefined> {
    return this.guard('findGroupById', async () => {
      const [row] = await this.rows(this.pool, sql.groupById, [id]);
      return row && groupRow(row);
    });
  }

  deleteGroup(id: number): Promise<boolean> {
    return this.guard('deleteGroup', () =>
      this.transaction(async (conn) => {
        let groupRows = 0;
        for (const text of sql.deleteGroup) groupRows = (await this.write(conn, text, [id], bulkAnswerTimeoutMs)).affectedRows;
        return groupRows > 0;
      }),
    );
  }

  addGroupMember(groupId: number, userId: number, role: GroupRole): Promise<boolean> {
    return this.guard('addGroupMember', async () => {
      return (await this.insertUnlessDuplicate(this.pool, sql.insertMember, [groupId, userId, role, groupId])) !== undefined;
    });
  }

  removeGroupMember(groupId: number, userId: number): Promise<boolean> {
    return this.guard('removeGroupMember', async () => (await this.write(this.pool, sql.deleteGroupMember, [groupId, userId])).affectedRows > 0);
  }

  listGroupMembers(groupId: number, limit?: number): Promise<GroupMemberRow[]> {
    return this.guard('listGroupMembers', async () => {
      const rows = limit === undefined ? await this.rows(this.pool, sql.groupMembers, [groupId]) : await this.rows(this.pool, `${sql.groupMembers} LIMIT ?`, [groupId, pageLimit(limit)]);
      return rows.map(memberRow);
    });
  }

  listGroupMemberIds(groupId: number): Promise<number[]> {
    return this.guard('listGroupMemberIds', async () => (await this.rows(this.pool, sql.groupMemberIds, [groupId])).map((r) => Number(r['id'])));
  }

  countGroupMembers(groupId: number): Promise<number> {
    return this.guard('countGroupMembers', () => this.count(sql.countGroupMembers, groupId));
  }

  memberJoinedAfter(groupId: number, userId: number): Promise<number | undefined> {
    return this.guard('memberJoinedAfter', async () => {
      const [row] = await this.rows(this.pool, sql.joinedAfter, [groupId, userId]);
      return row ? Number(row['joinedAfter']) : undefined;
    });
  }

  isGroupMember(groupId: number, userId: number): Promise<boolean> {
    return this.guard('isGroupMember', async () => (await this.rows(this.pool, sql.isGroupMember, [groupId, userId])).length > 0);
  }

  listGroupsOfUser(userId: number, page?: Page): Promise<GroupRow[]> {
    return this.guard('listGroupsOfUser', async () => {
      const rows = page ? await this.rows(this.pool, sql.groupsOfUserPage, [userId, page.afterId, pageLimit(page.limit)]) : await this.rows(this.pool, sql.groupsOfUser, [userId]);
      return rows.map(groupRow);
    });
  }

  countGroupsOfUser(userId: number): Promise<number> {
    return this.guard('countGroupsOfUser', () => this.count(sql.countGroupsOfUser, userId));
  }

  saveMessage(message: NewMessage): Promise<SavedMessage> {
    return this.guard('saveMessage', async () => {
      const fromName = this.senderNames.kept(message.fromId) ?? (await this.readSenderName(message.fromId));
      const recipients = [...new Set(message.recipientIds)];
      const statements = [insertMessageText(message, 'VALUES'), ...chunks(recipients, maxIdsPerStatement).map(insertPendingText)];
      return this.writes.run({
        statements,
        value: ([inserted]) => ({ row: savedRow(message, Number(inserted?.insertId), fromName), isRepeat: false }),
        alone: () => this.transaction((conn) => this.saveAlone(conn, message, recipients, fromName)),
      });
    });
  }

  saveMessageUnlessFull(message: NewMessage, pendingCap: number): Promise<SavedMessage | 'recipient-full'> {
    return this.guard('saveMessage', async () => {
      const fromName = this.senderNames.kept(message.fromId) ?? (await this.readSenderName(message.fromId));
      const toId = sqlInt(message.toId);
      // A plain read of the count: inside INSERT … SELECT it would take shared next-key locks on
      // the recipient's rows, and two saves to one recipient would deadlock on their inserts.
      const underCap = `@dchat_pending < ${sqlInt(pendingCap)}`;
      const statements = [
        `SET @dchat_pending = (SELECT COUNT(*) FROM offlinemessage WHERE userid = ${toId})`,
        `${insertMessageText(message, 'SELECT')} FROM DUAL WHERE ${underCap}`,
        `INSERT INTO offlinemessage (userid, message_id) SELECT ${toId}, LAST_INSERT_ID() FROM DUAL WHERE ${underCap}`,
      ];
      return this.writes.run<SavedMessage | 'recipient-full'>({
        statements,
        value: ([, inserted]) =>
          inserted?.affectedRows === 1 ? { row: savedRow(message, Number(inserted.insertId), fromName), isRepeat: false } : 'recipient-full',
        alone: async () => {
          if ((await this.usersWithPendingAtLeast([message.toId], pendingCap)).length > 0) return 'recipient-full';
          return this.transaction((conn) => this.saveAlone(conn, message, [message.toId], fromName));
        },
      });
    });
  }

  /** The save with prepared statements, one round trip each: a repeated key finds its message. */
  private async saveAlone(conn: PoolConnection, message: NewMessage, recipients: readonly number[], fromName: string): Promise<SavedMessage> {
    const { fromId, toId, groupId, text, sentAtMs } = message;
    const clientMsgId = message.clientMsgId || null;
    const params = [fromId, toId || null, groupId || null, text, sentAtMs, clientMsgId];
    const result = await this.insertUnlessDuplicate(conn, sql.insertMessage, params);
    if (!result) return { row: await this.earlierMessage(conn, fromId, clientMsgId), isRepeat: true };
    const id = result.insertId;
    for (const part of chunks(recipients, maxIdsPerStatement)) {
      await this.write(conn, `${sql.insertPendingRows} ${new Array<string>(part.length).fill('(?, ?)').join(', ')}`, part.flatMap((userId) => [userId, id]));
    }
    return { row: savedRow(message, id, fromName), isRepeat: false };
  }

  /** Reads of sender names under way, shared by the saves of a turn that wait for the same one. */
  private readonly senderNameReads = new Map<number, Promise<string>>();

  /** The sender's name for the message row, read once per sender and kept (names never change). */
  private async readSenderName(userId: number): Promise<string> {
    let read = this.senderNameReads.get(userId);
    if (!read) {
      read = this.rows(this.pool, sql.userById, [userId]).then((rows) => {
        const [row] = rows;
        if (!row) throw new Error(`the sender ${userId} of a message does not exist`);
        return this.senderNames.keep(userId, userRow(row).name);
      });
      this.senderNameReads.set(userId, read);
      void read.finally(() => this.senderNameReads.delete(userId)).catch(() => undefined);
    }
    return read;
  }

  /**
   * The message that holds (sender, key), read after the insert hit the unique key. An insert
   * racing one that has not committed yet waits on InnoDB's lock and fails only once the other
   * committed; the locking read then sees that row, whatever snapshot the transaction has.
   */
  private async earlierMessage(conn: PoolConnection, fromId: number, clientMsgId: string | null): Promise<MessageRow> {
    const [row] = await this.rows(conn, `${sql.messageByClientId} LOCK IN SHARE MODE`, [fromId, clientMsgId]);
    if (!row) throw new Error(`message of sender ${fromId} with key ${String(clientMsgId)} conflicted but cannot be read`);
    return messageRow(row);
  }

  listPending(userId: number, afterId: number, limit: number): Promise<MessageRow[]> {
    return this.guard('listPending', async () => {
      const max = pageLimit(limit);
      if (max === 0) return [];
      return (await this.rows(this.pool, sql.pending, [userId, afterId, max])).map(messageRow).sort(byId);
    });
  }

  countAllPending(): Promise<number> {
    return this.guard('countAllPending', async () => {
      const [row] = await this.rows(this.pool, sql.countAllPending, []);
      return Number(row?.['n'] ?? 0);
    });
  }

  ping(): Promise<void> {
    return this.guard('ping', async () => {
      await this.rows(this.pool, sql.ping, []);
    });
  }

  countPending(userId: number): Promise<number> {
    return this.guard('countPending', async () => {
      const [row] = await this.rows(this.pool, sql.countPending, [userId]);
      return Number(row?.['n'] ?? 0);
    });
  }

  usersWithPendingAtLeast(userIds: readonly number[], count: number): Promise<number[]> {
    return this.guard('usersWithPendingAtLeast', async () => {
      const found: number[] = [];
      for (const part of chunks([...new Set(userIds)], maxIdsPerStatement)) {
        const text = `SELECT userid FROM offlinemessage WHERE userid IN (${placeholders(part.length)}) ${sql.pendingAtLeastTail}`;
        found.push(...(await this.rows(this.pool, text, [...part, count])).map((r) => Number(r['userid'])));
      }
      return found.sort((a, b) => a - b);
    });
  }

  listPendingRecipients(messageId: number): Promise<number[]> {
    return this.guard('listPendingRecipients', async () =>
      (await this.rows(this.pool, sql.pendingRecipients, [messageId])).map((r) => Number(r['userid'])));
  }

  ackPending(userId: number, messageIds: readonly number[]): Promise<number> {
    return this.guard('ackPending', () => {
      const parts = chunks([...new Set(messageIds)], maxIdsPerStatement);
      const removeText = (part: readonly number[]): string => `DELETE FROM offlinemessage WHERE userid = ? AND message_id IN (${placeholders(part.length)})`;
      const remove = async (on: Executor, part: readonly number[]): Promise<number> => (await this.write(on, removeText(part), [userId, ...part])).affectedRows;
      const only = parts.length === 1 ? parts[0] : undefined;
      return this.writes.run({
        statements: parts.map((part) => `DELETE FROM offlinemessage WHERE userid = ${sqlInt(userId)} AND message_id IN (${part.map(sqlInt).join(', ')})`),
        value: (results) => results.reduce((sum, r) => sum + r.affectedRows, 0),
        // One DELETE is atomic on its own: alone in its turn it needs no transaction around it.
        alone: only
          ? () => this.retryingDeadlocks(() => remove(this.pool, only))
          : () => this.transaction(async (conn) => {
              let removed = 0;
              for (const part of parts) removed += await remove(conn, part);
              return removed;
            }),
      });
    });
  }

  saveSessionToken(token: SessionTokenRow, keepPerUser: number): Promise<void> {
    // The token is saved on its own, and the clean-up (expired tokens, those past the newest
    // keepPerUser) follows as statements of their own: in one transaction the logins of many
    // users at once (a reconnect storm) took next-key locks on session_token's user index side by
    // side, and InnoDB rolled most of them back as deadlock victims. A clean-up statement chosen
    // as a victim runs again; one that still fails leaves rows the next login of the user removes.
    return this.guard('saveSessionToken', async () => {
      await this.write(this.pool, sql.insertSessionToken, [token.userId, token.tokenHash, token.createdAtMs, token.expiresAtMs]);
      try {
        await this.retryingDeadlocks(() => this.write(this.pool, sql.deleteExpiredSessionTokens, [token.userId, token.createdAtMs]));
        await this.retryingDeadlocks(() => this.write(this.pool, sql.deleteSurplusSessionTokens, [token.userId, token.userId, Math.max(0, keepPerUser - 1)]));
      } catch (err) {
        // The token is saved and the login stands; listSessionTokens reads only live tokens.
        log.warn('the clean-up of user %d\'s older resume tokens failed (%s): the next login of the user does it', token.userId, errorMessage(err));
      }
    });
  }

  listSessionTokens(userId: number, nowMs: number): Promise<SessionTokenRow[]> {
    return this.guard('listSessionTokens', async () => (await this.rows(this.pool, sql.sessionTokensOf, [userId, nowMs])).map(sessionTokenRow));
  }

  deleteSessionTokens(userId: number): Promise<number> {
    return this.guard('deleteSessionTokens', async () => (await this.write(this.pool, sql.deleteSessionTokens, [userId])).affectedRows);
  }

  history(conversation: Conversation, beforeId: number, limit: number): Promise<MessageRow[]> {
    return this.guard('history', async () => {
      const before = upperId(beforeId);
      const max = pageLimit(limit);
      if (max === 0) return [];
      if (conversation.kind === 'group') {
        return (await this.rows(this.pool, sql.groupHistory, [conversation.groupId, before, conversation.afterId ?? 0, max])).map(messageRow);
      }
      const { userId, peerId } = conversation;
      // Both directions at once, on two of the pool's connections.
      const [sent, received] = await Promise.all([
        this.rows(this.pool, sql.directHistoryOneWay, [userId, peerId, before, max]),
        peerId === userId ? [] : this.rows(this.pool, sql.directHistoryOneWay, [peerId, userId, before, max]),
      ]);
      return newestOfBoth(sent.map(messageRow), received.map(messageRow), max);
    });
  }
}
