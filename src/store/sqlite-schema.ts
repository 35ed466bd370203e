// The SQLite schema: it MIRRORS schema.sql (same tables, same columns, same keys and indexes)
// rather than being derived from it by rewriting the MySQL text. The dialects differ in every
// line that matters — AUTO_INCREMENT vs AUTOINCREMENT, ENUM vs CHECK, charsets and collations,
// inline KEY clauses, ENGINE options — so a translator would be a second SQL parser that breaks
// on the next comment. Each schema is instead written natively, and src/store/mysql-store.test.ts
// runs both against real databases and checks that they have the same tables and columns.
// The reasons for every table and column are in schema.sql; only SQLite choices are noted here.
//
// * STRICT tables: SQLite then rejects a value of the wrong type, as MySQL does.
// * AUTOINCREMENT: ids of deleted rows are never handed out again (plain INTEGER PRIMARY KEY
//   may reuse the largest id), so a client deduplicating by message id never mistakes a new
//   message for an old one, exactly like MySQL's AUTO_INCREMENT.
// * WITHOUT ROWID on the tables keyed by a pair: the row lives in its primary key's b-tree,
//   like InnoDB's clustered index.
// * Text compares byte for byte (SQLite's default BINARY collation), like utf8mb4_bin.

export const sqliteSchema: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS \`user\` (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'offline' CHECK (state IN ('online', 'offline')),
    created_at INTEGER NOT NULL
  ) STRICT`,
  'CREATE UNIQUE INDEX IF NOT EXISTS user_name ON `user` (name)',

  `CREATE TABLE IF NOT EXISTS friend (
    userid INTEGER NOT NULL REFERENCES \`user\` (id) ON DELETE CASCADE,
    friendid INTEGER NOT NULL REFERENCES \`user\` (id) ON DELETE CASCADE,
    PRIMARY KEY (userid, friendid)
  ) STRICT, WITHOUT ROWID`,
  'CREATE INDEX IF NOT EXISTS friend_friendid ON friend (friendid)',

  `CREATE TABLE IF NOT EXISTS friendrequest (
    fromid INTEGER NOT NULL REFERENCES \`user\` (id) ON DELETE CASCADE,
    toid INTEGER NOT NULL REFERENCES \`user\` (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (fromid, toid)
  ) STRICT, WITHOUT ROWID`,
  'CREATE INDEX IF NOT EXISTS friendrequest_toid ON friendrequest (toid, created_at)',

  `CREATE TABLE IF NOT EXISTS allgroup (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    groupname TEXT NOT NULL,
    groupdesc TEXT NOT NULL DEFAULT '',
    invite_only INTEGER NOT NULL DEFAULT 0 CHECK (invite_only IN (0, 1)),
    creator_id INTEGER NOT NULL REFERENCES \`user\` (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
  ) STRICT`,
  'CREATE UNIQUE INDEX IF NOT EXISTS allgroup_groupname ON allgroup (groupname)',
  'CREATE INDEX IF NOT EXISTS allgroup_creator ON allgroup (creator_id)',

  `CREATE TABLE IF NOT EXISTS groupjoin (
    groupid INTEGER NOT NULL REFERENCES allgroup (id) ON DELETE CASCADE,
    userid INTEGER NOT NULL REFERENCES \`user\` (id) ON DELETE CASCADE,
    invited INTEGER NOT NULL CHECK (invited IN (0, 1)),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (groupid, userid)
  ) STRICT, WITHOUT ROWID`,
  'CREATE INDEX IF NOT EXISTS groupjoin_userid ON groupjoin (userid)',

  `CREATE TABLE IF NOT EXISTS groupuser (
    groupid INTEGER NOT NULL REFERENCES allgroup (id) ON DELETE CASCADE,
    userid INTEGER NOT NULL REFERENCES \`user\` (id) ON DELETE CASCADE,
    grouprole TEXT NOT NULL DEFAULT 'normal' CHECK (grouprole IN ('creator', 'normal')),
    joined_after INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (groupid, userid)
  ) STRICT, WITHOUT ROWID`,
  'CREATE INDEX IF NOT EXISTS groupuser_userid ON groupuser (userid)',

  `CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sender_id INTEGER NOT NULL REFERENCES \`user\` (id) ON DELETE CASCADE,
    recipient_id INTEGER NULL REFERENCES \`user\` (id),
    group_id INTEGER NULL REFERENCES allgroup (id),
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    client_msg_id TEXT NULL,
    CHECK ((recipient_id IS NULL) <> (group_id IS NULL))
  ) STRICT`,
  'CREATE INDEX IF NOT EXISTS message_direct ON message (sender_id, recipient_id, id)',
  // Every index a message enters is a page more that a commit writes to the WAL, and with
  // recipients spread over many users most of those pages differ from message to message. So
  // direct messages (recipient_id set) stay out of the group index, whose every query names a
  // group, and the recipient column has no index of its own: SQLite needs one only to delete or
  // renumber a user, which dchat never does. (MySQL keeps both: InnoDB indexes every foreign key.)
  // Databases made with the older full indexes lose them here.
  'DROP INDEX IF EXISTS message_recipient',
  'DROP INDEX IF EXISTS message_group',
  'CREATE INDEX IF NOT EXISTS message_group_only ON message (group_id, id) WHERE group_id IS NOT NULL',
  // No index on the idempotency key: it would be one more page per message (a sender's keys are
  // scattered over the whole index), ~15 % of a standalone node's CPU per message. A resend
  // says it is one (is_resend), and the store looks for the key among the sender's newest messages
  // to that user (or to groups) only, through message_direct (docs/protocol.md, docs/storage.md).
  // Databases made with the unique key lose it here.
  'DROP INDEX IF EXISTS message_client_msg_id',

  `CREATE TABLE IF NOT EXISTS offlinemessage (
    userid INTEGER NOT NULL REFERENCES \`user\` (id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL REFERENCES message (id) ON DELETE CASCADE,
    PRIMARY KEY (userid, message_id)
  ) STRICT, WITHOUT ROWID`,
  'CREATE INDEX IF NOT EXISTS offlinemessage_message ON offlinemessage (message_id)',

  `CREATE TABLE IF NOT EXISTS session_token (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES \`user\` (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT`,
  'CREATE INDEX IF NOT EXISTS session_token_user ON session_token (user_id, id)',
];
