// The SQL that both backends run unchanged: the statements whose text means the same in MySQL
// and SQLite (backtick quoting, LIMIT ?, COALESCE and derived tables are common to both). The
// column aliases give each row the field names of repository.ts, so a row needs no mapping.
// Statements that differ by dialect (inserts that may hit a unique key, id lists) stay in the
// backend files.

const userColumns =
  'u.id AS id, u.name AS name, u.password_hash AS passwordHash, u.state AS state, u.created_at AS createdAtMs';
const groupColumns =
  'g.id AS id, g.groupname AS name, g.groupdesc AS `desc`, g.creator_id AS creatorId, g.created_at AS createdAtMs, g.invite_only AS isInviteOnly';
const messageColumns =
  'm.id AS id, m.sender_id AS fromId, s.name AS fromName, COALESCE(m.recipient_id, 0) AS toId, ' +
  'COALESCE(m.group_id, 0) AS groupId, m.body AS text, m.sent_at AS sentAtMs';

const selectUser = `SELECT ${userColumns} FROM \`user\` u`;
const selectGroup = `SELECT ${groupColumns} FROM allgroup g`;
const selectMessage = `SELECT ${messageColumns} FROM message m JOIN \`user\` s ON s.id = m.sender_id`;

/** "No bound" for history's beforeId: every id is below it. */
export const noUpperId = Number.MAX_SAFE_INTEGER;

export const sql = {
  selectUser,
  userById: `${selectUser} WHERE u.id = ?`,
  userByName: `${selectUser} WHERE u.name = ?`,
  setUserState: 'UPDATE `user` SET state = ? WHERE id = ?',
  friendsOf: `${selectUser} JOIN friend f ON f.friendid = u.id WHERE f.userid = ? ORDER BY u.id`,
  /** Parameters: userId, afterId, limit. */
  friendsPage: `${selectUser} JOIN friend f ON f.friendid = u.id WHERE f.userid = ? AND u.id > ? ORDER BY u.id LIMIT ?`,
  countFriends: 'SELECT COUNT(*) AS n FROM friend WHERE userid = ?',
  /** Parameters: toId, notBeforeMs, afterId, limit. */
  friendRequestsTo:
    'SELECT r.fromid AS fromId, u.name AS fromName, r.created_at AS createdAtMs FROM friendrequest r JOIN `user` u ON u.id = r.fromid ' +
    'WHERE r.toid = ? AND r.created_at >= ? AND r.fromid > ? ORDER BY r.fromid LIMIT ?',
  /** Parameters: fromId, toId, notBeforeMs. */
  hasFriendRequest: 'SELECT 1 AS yes FROM friendrequest WHERE fromid = ? AND toid = ? AND created_at >= ?',
  deleteFriendRequest: 'DELETE FROM friendrequest WHERE fromid = ? AND toid = ?',
  countFriendRequestsTo: 'SELECT COUNT(*) AS n FROM friendrequest WHERE toid = ? AND created_at >= ?',
  countFriendRequestsFrom: 'SELECT COUNT(*) AS n FROM friendrequest WHERE fromid = ? AND created_at >= ?',
  deleteExpiredFriendRequests: 'DELETE FROM friendrequest WHERE toid = ? AND created_at < ?',
  isFriend: 'SELECT 1 AS yes FROM friend WHERE userid = ? AND friendid = ?',
  /** Both directions; a self-friendship is one row. Parameters: a, b, b, a. */
  deleteFriendship: 'DELETE FROM friend WHERE (userid = ? AND friendid = ?) OR (userid = ? AND friendid = ?)',

  groupById: `${selectGroup} WHERE g.id = ?`,
  groupByName: `${selectGroup} WHERE g.groupname = ?`,
  groupsOfUser: `${selectGroup} JOIN groupuser gu ON gu.groupid = g.id WHERE gu.userid = ? ORDER BY g.id`,
  groupMembers:
    'SELECT gu.groupid AS groupId, gu.userid AS userId, u.name AS userName, gu.grouprole AS role ' +
    'FROM groupuser gu JOIN `user` u ON u.id = gu.userid WHERE gu.groupid = ? ORDER BY gu.userid',
  /** Parameters: userId, afterId, limit. */
  groupsOfUserPage: `${selectGroup} JOIN groupuser gu ON gu.groupid = g.id WHERE gu.userid = ? AND g.id > ? ORDER BY g.id LIMIT ?`,
  countGroupsOfUser: 'SELECT COUNT(*) AS n FROM groupuser WHERE userid = ?',
  countGroupMembers: 'SELECT COUNT(*) AS n FROM groupuser WHERE groupid = ?',
  /** The members' ids alone: one range of groupuser's primary key, no join. */
  groupMemberIds: 'SELECT userid AS id FROM groupuser WHERE groupid = ? ORDER BY userid',
  isGroupMember: 'SELECT 1 AS yes FROM groupuser WHERE groupid = ? AND userid = ?',
  deleteGroupMember: 'DELETE FROM groupuser WHERE groupid = ? AND userid = ?',
  /** The order matters: children before the rows they reference. Each takes the group id. */
  deleteGroup: [
    'DELETE FROM offlinemessage WHERE message_id IN (SELECT id FROM message WHERE group_id = ?)',
    'DELETE FROM message WHERE group_id = ?',
    'DELETE FROM groupuser WHERE groupid = ?',
    'DELETE FROM groupjoin WHERE groupid = ?',
    'DELETE FROM allgroup WHERE id = ?',
  ],

  insertMessage: 'INSERT INTO message (sender_id, recipient_id, group_id, body, sent_at, client_msg_id) VALUES (?, ?, ?, ?, ?, ?)',
  /** Parameters: senderId, clientMsgId. The unique key (sender_id, client_msg_id) finds it (MySQL). */
  messageByClientId: `${selectMessage} WHERE m.sender_id = ? AND m.client_msg_id = ?`,
  messageById: `${selectMessage} WHERE m.id = ?`,
  /**
   * For SQLite, which keeps no index on the key. Parameters: senderId, recipientId, rows,
   * clientMsgId, sentAtMs since. The message with the key among the sender's `rows` newest messages
   * to the recipient, within the window: a range of message_direct read newest first and cut at
   * `rows` before anything else is compared.
   */
  directResendOriginal:
    'SELECT id FROM (SELECT id, sent_at, client_msg_id FROM message WHERE sender_id = ? AND recipient_id = ? ORDER BY id DESC LIMIT ?) ' +
    'WHERE client_msg_id = ? AND sent_at >= ? LIMIT 1',
  /** Parameters: senderId, rows, groupId, clientMsgId, since. The same among the sender's group messages (recipient_id NULL). */
  groupResendOriginal:
    'SELECT id FROM (SELECT id, group_id, sent_at, client_msg_id FROM message WHERE sender_id = ? AND recipient_id IS NULL ORDER BY id DESC LIMIT ?) ' +
    'WHERE group_id = ? AND client_msg_id = ? AND sent_at >= ? LIMIT 1',
  insertPending: 'INSERT INTO offlinemessage (userid, message_id) VALUES (?, ?)',
  /** Parameters: userId, messageId. */
  deletePending: 'DELETE FROM offlinemessage WHERE userid = ? AND message_id = ?',
  /** Followed by one "(?, ?)" per row: userId, messageId. */
  insertPendingRows: 'INSERT INTO offlinemessage (userid, message_id) VALUES',
  /**
   * Parameters: userId, afterId, limit. The page's ids first, from offlinemessage's primary key
   * (userid, message_id), then their rows; the caller puts them in id order. Written as one join
   * ordered by message_id, MariaDB may start from the user table on a small database and sort
   * the rows, bodies included, in a temporary table on disk: a file per login's replay, and on a
   * full disk a login that fails.
   */
  pending:
    `SELECT ${messageColumns} FROM (SELECT message_id FROM offlinemessage WHERE userid = ? AND message_id > ? ORDER BY message_id LIMIT ?) o ` +
    'JOIN message m ON m.id = o.message_id JOIN `user` s ON s.id = m.sender_id',
  countPending: 'SELECT COUNT(*) AS n FROM offlinemessage WHERE userid = ?',
  /** Every user's pending deliveries: the backlog metric, read when Prometheus scrapes. */
  countAllPending: 'SELECT COUNT(*) AS n FROM offlinemessage',
  ping: 'SELECT 1 AS n',
  /** Preceded by "WHERE userid IN (…)" of the backend; parameter after the list: the count. */
  pendingAtLeastTail: 'GROUP BY userid HAVING COUNT(*) >= ? ORDER BY userid',
  /** Parameter: messageId. The index offlinemessage_message finds the rows. */
  pendingRecipients: 'SELECT userid FROM offlinemessage WHERE message_id = ? ORDER BY userid',
  /**
   * Parameters: sender, recipient, beforeId, limit. One direction of a conversation: a range of
   * the index (sender_id, recipient_id, id) read newest first and cut at limit. A history page
   * reads both directions and merges them (newestOfBoth), so it costs 2 × limit rows however long
   * the conversation is. Not one UNION: MySQL gathers a UNION of rows with a TEXT column in a
   * temporary table on disk, a file per page, and a full disk then fails every history read.
   */
  directHistoryOneWay: `${selectMessage} WHERE m.sender_id = ? AND m.recipient_id = ? AND m.id < ? ORDER BY m.id DESC LIMIT ?`,
  insertSessionToken: 'INSERT INTO session_token (user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)',
  /** Parameters: userId, nowMs. */
  deleteExpiredSessionTokens: 'DELETE FROM session_token WHERE user_id = ? AND expires_at <= ?',
  /**
   * Parameters: userId, userId, keep. Deletes the user's tokens older than the keep-th newest; the
   * derived table lets MySQL read the table it deletes from, and a NULL bound (fewer tokens) deletes none.
   */
  deleteSurplusSessionTokens:
    'DELETE FROM session_token WHERE user_id = ? AND id < (SELECT id FROM (SELECT id FROM session_token ' +
    'WHERE user_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?) AS newest)',
  /** Parameters: userId, nowMs. */
  sessionTokensOf:
    'SELECT user_id AS userId, token_hash AS tokenHash, created_at AS createdAtMs, expires_at AS expiresAtMs ' +
    'FROM session_token WHERE user_id = ? AND expires_at > ? ORDER BY id DESC',
  deleteSessionTokens: 'DELETE FROM session_token WHERE user_id = ?',
  /** Parameters: groupId, beforeId, afterId, limit. */
  groupHistory: `${selectMessage} WHERE m.group_id = ? AND m.id < ? AND m.id > ? ORDER BY m.id DESC LIMIT ?`,
  /** Parameters: groupId, userId, notBeforeMs. */
  joinRequest: 'SELECT invited FROM groupjoin WHERE groupid = ? AND userid = ? AND created_at >= ?',
  deleteJoinRequest: 'DELETE FROM groupjoin WHERE groupid = ? AND userid = ?',
  countJoinRequests: 'SELECT COUNT(*) AS n FROM groupjoin WHERE groupid = ? AND created_at >= ?',
  joinedAfter: 'SELECT joined_after AS joinedAfter FROM groupuser WHERE groupid = ? AND userid = ?',
  /** Parameters: groupId, userId, role, groupId. The join point is the group's newest message now. */
  insertMember:
    'INSERT INTO groupuser (groupid, userid, grouprole, joined_after) SELECT ?, ?, ?, COALESCE(MAX(id), 0) FROM message WHERE group_id = ?',
} as const;

/**
 * Columns dchat added to tables whose names it shares with the seed chat server. CREATE TABLE IF
 * NOT EXISTS leaves an existing table as it is, so migrate() looks for these first: a database
 * made by the seed (plain passwords, message text in offlinemessage) is refused with an
 * explanation instead of failing on a foreign key or on the first query.
 */
export const addedColumns: Readonly<Record<string, readonly string[]>> = {
  user: ['password_hash', 'created_at'],
  allgroup: ['creator_id', 'created_at'],
  offlinemessage: ['message_id'],
};

/** The complaint about existing tables lacking added columns, or undefined when none lacks any.
 * columnsOf returns [] for a table that does not exist: migrate() will create it. */
export function describeOldLayout(columnsOf: (table: string) => readonly string[], where: string): string | undefined {
  const missing = Object.entries(addedColumns).flatMap(([table, columns]) => {
    const present = columnsOf(table);
    return present.length === 0 ? [] : columns.filter((c) => !present.includes(c)).map((c) => `${table}.${c}`);
  });
  if (missing.length === 0) return undefined;
  return (
    `${where} has tables of an older layout, without ${missing.join(', ')} (the seed chat server's tables keep ` +
    'plain passwords and message text): dchat cannot convert them in place; point --db at a new database, ' +
    'or rename the old tables out of the way and run `dchat db migrate` again'
  );
}

/** A page size as SQL accepts it: a non-negative integer. */
export function pageLimit(limit: number): number {
  return Number.isFinite(limit) && limit > 0 ? Math.floor(limit) : 0;
}

/** Oldest first, for Array.prototype.sort. */
export function byId(a: { id: number }, b: { id: number }): number {
  return a.id - b.id;
}

/** The `limit` newest of two lists that are each newest first (the two directions of a conversation). */
export function newestOfBoth<T extends { id: number }>(a: readonly T[], b: readonly T[], limit: number): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (out.length < limit && (i < a.length || j < b.length)) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x.id > y.id)) {
      out.push(x as T);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}

/** history's beforeId, with 0 (or anything not positive) meaning "no bound". */
export function upperId(beforeId: number): number {
  return beforeId > 0 ? beforeId : noUpperId;
}
