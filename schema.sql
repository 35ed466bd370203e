-- dchat's MySQL schema (MySQL 8 / MariaDB 10.6 and later).
--
-- It keeps the five tables of the chat server dchat grew from, under their old names:
-- `user`, `friend`, `offlinemessage`, `allgroup`, `groupuser`. Every column or table added to
-- them is explained where it is declared. `dchat db migrate` (and every start of a node)
-- runs this file; each statement is idempotent, so running it again changes nothing.
--
-- The SQLite backend mirrors this file in src/store/sqlite-schema.ts; a test
-- (src/store/mysql-store.test.ts) checks that both have the same tables and columns.
--
-- Conventions for every addition:
-- * utf8mb4 everywhere: MySQL's `utf8` holds only 3 bytes per character, so emoji and some
--   CJK characters would be rejected or mangled.
-- * Names are compared byte for byte (utf8mb4_bin), as SQLite does, so both backends agree on
--   which names are taken ('Alice' and 'alice' are two users).
-- * Times are BIGINT milliseconds since the Unix epoch (UTC), written by the application: no
--   time-zone conversion between Node, the MySQL session and SQLite, which has no date type.
-- * Ids are BIGINT: message ids grow without bound, and every id stays below 2^53, so it is a
--   plain JavaScript number.
-- * InnoDB with foreign keys: a row can never point at a user, group or message that does not
--   exist, and `ON DELETE CASCADE` removes dependent rows with their parent.

-- The seed's user(id, name, password, state).
CREATE TABLE IF NOT EXISTS `user` (
  `id` BIGINT NOT NULL AUTO_INCREMENT,
  `name` VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  -- Replaces the seed's plain `password`: a salted scrypt hash with its parameters,
  -- "scrypt$N$r$p$salt$hash" (src/store/password-hash.ts), so a leaked table reveals no password.
  `password_hash` VARCHAR(255) NOT NULL,
  `state` ENUM('online', 'offline') NOT NULL DEFAULT 'offline',
  -- Added: when the account was registered (ms since the epoch).
  `created_at` BIGINT NOT NULL,
  PRIMARY KEY (`id`),
  -- Registration looks names up and must refuse a name that is taken.
  UNIQUE KEY `user_name` (`name`)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- The seed's friend(userid, friendid). Friendship is symmetric and stored in both directions,
-- (a, b) and (b, a), so "the friends of a" is one range scan of the primary key and
-- `delfriend` removes both rows in one statement.
CREATE TABLE IF NOT EXISTS `friend` (
  `userid` BIGINT NOT NULL,
  `friendid` BIGINT NOT NULL,
  PRIMARY KEY (`userid`, `friendid`),
  -- Added: the foreign key on friendid needs an index of its own.
  KEY `friend_friendid` (`friendid`),
  CONSTRAINT `friend_user` FOREIGN KEY (`userid`) REFERENCES `user` (`id`) ON DELETE CASCADE,
  CONSTRAINT `friend_friend` FOREIGN KEY (`friendid`) REFERENCES `user` (`id`) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Added table: friend requests waiting for an answer. Friendship takes both sides' consent:
-- `addfriend` stores a request (fromid asks toid); toid answers with `addfriend` back (the row
-- goes and they become friends) or `delfriend` (declined: the row goes). A request older than
-- its lifetime (docs/rules.md) counts for nothing and is removed when its recipient gets a new one.
CREATE TABLE IF NOT EXISTS `friendrequest` (
  `fromid` BIGINT NOT NULL,
  `toid` BIGINT NOT NULL,
  -- When it was asked (ms since the epoch): requests expire.
  `created_at` BIGINT NOT NULL,
  PRIMARY KEY (`fromid`, `toid`),
  -- The requests waiting for a user (listed at login, counted against the limit), and their age.
  KEY `friendrequest_toid` (`toid`, `created_at`),
  CONSTRAINT `friendrequest_from` FOREIGN KEY (`fromid`) REFERENCES `user` (`id`) ON DELETE CASCADE,
  CONSTRAINT `friendrequest_to` FOREIGN KEY (`toid`) REFERENCES `user` (`id`) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- The seed's allgroup(id, groupname, groupdesc).
CREATE TABLE IF NOT EXISTS `allgroup` (
  `id` BIGINT NOT NULL AUTO_INCREMENT,
  -- Widths in characters, as wide as the services allow (64 and 256, docs/rules.md): a narrower
  -- column would refuse a name the rules accept. A contract test compares them.
  `groupname` VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  `groupdesc` VARCHAR(256) NOT NULL DEFAULT '',
  -- Added: 1 when only those the creator lets in may join (docs/rules.md); 0 for a public group.
  `invite_only` TINYINT NOT NULL DEFAULT 0,
  -- Added: who created the group, its owner (the services decide what only the owner may do).
  `creator_id` BIGINT NOT NULL,
  -- Added: when the group was created (ms since the epoch).
  `created_at` BIGINT NOT NULL,
  PRIMARY KEY (`id`),
  -- `creategroup` refuses a name that is taken.
  UNIQUE KEY `allgroup_groupname` (`groupname`),
  -- Added: index for the foreign key on the creator.
  KEY `allgroup_creator` (`creator_id`),
  CONSTRAINT `allgroup_creator_user` FOREIGN KEY (`creator_id`) REFERENCES `user` (`id`) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Added table: the door of invite-only groups. A row is an invitation from the creator
-- (invited = 1) or a request to join (invited = 0), waiting for the other side: the invited user
-- joins with `addgroup`, the creator approves a request with `invite`. Rows expire like friend
-- requests (docs/rules.md) and go with their group.
CREATE TABLE IF NOT EXISTS `groupjoin` (
  `groupid` BIGINT NOT NULL,
  `userid` BIGINT NOT NULL,
  `invited` TINYINT NOT NULL,
  `created_at` BIGINT NOT NULL,
  PRIMARY KEY (`groupid`, `userid`),
  -- Index for the foreign key on the user.
  KEY `groupjoin_userid` (`userid`),
  CONSTRAINT `groupjoin_group` FOREIGN KEY (`groupid`) REFERENCES `allgroup` (`id`) ON DELETE CASCADE,
  CONSTRAINT `groupjoin_user` FOREIGN KEY (`userid`) REFERENCES `user` (`id`) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- The seed's groupuser(groupid, userid, grouprole).
CREATE TABLE IF NOT EXISTS `groupuser` (
  `groupid` BIGINT NOT NULL,
  `userid` BIGINT NOT NULL,
  `grouprole` ENUM('creator', 'normal') NOT NULL DEFAULT 'normal',
  -- Added: the id of the group's newest message when the member joined. A member reads the
  -- group's history from their join onwards, not what was said before they came in; 0 for the
  -- creator, and for members who joined before this column existed.
  `joined_after` BIGINT NOT NULL DEFAULT 0,
  -- The members of a group: a range scan of the primary key.
  PRIMARY KEY (`groupid`, `userid`),
  -- Added: the groups of a user (listed at login) without a full scan.
  KEY `groupuser_userid` (`userid`),
  CONSTRAINT `groupuser_group` FOREIGN KEY (`groupid`) REFERENCES `allgroup` (`id`) ON DELETE CASCADE,
  CONSTRAINT `groupuser_user` FOREIGN KEY (`userid`) REFERENCES `user` (`id`) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Added table: every message ever accepted, stored once. The seed copied a group message's
-- JSON text into offlinemessage once per offline member and kept nothing else; here the id is
-- the server-assigned message id that clients acknowledge and deduplicate by, and history is
-- paged by it. A row is either direct (recipient_id set) or a group message (group_id set).
CREATE TABLE IF NOT EXISTS `message` (
  `id` BIGINT NOT NULL AUTO_INCREMENT,
  `sender_id` BIGINT NOT NULL,
  `recipient_id` BIGINT NULL,
  `group_id` BIGINT NULL,
  `body` TEXT NOT NULL,
  -- When the server accepted the message (ms since the epoch).
  `sent_at` BIGINT NOT NULL,
  -- Added: the sender's idempotency key (up to 64 printable ASCII characters, chosen by the
  -- client, unique per sender). A client whose answer was lost (its node died mid-request)
  -- resends with the same key, and the unique key below makes the second insert fail, so the
  -- node answers with the stored row instead of storing the message twice. NULL (no key) never
  -- collides: a unique key admits any number of NULLs. ascii_bin: keys compare byte for byte.
  `client_msg_id` VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  PRIMARY KEY (`id`),
  -- One message per (sender, key); also finds the stored message of a resend.
  UNIQUE KEY `message_client_msg_id` (`sender_id`, `client_msg_id`),
  -- History of a direct conversation: one range per direction, newest first.
  KEY `message_direct` (`sender_id`, `recipient_id`, `id`),
  -- History of a group, newest first; also finds a deleted group's messages.
  KEY `message_group` (`group_id`, `id`),
  -- Index for the foreign key on the recipient.
  KEY `message_recipient` (`recipient_id`),
  CONSTRAINT `message_sender` FOREIGN KEY (`sender_id`) REFERENCES `user` (`id`) ON DELETE CASCADE,
  -- No ON DELETE action on the two target columns: MySQL 8 forbids one on a column that a CHECK
  -- names. Deleting a group deletes its messages explicitly, in the same transaction.
  CONSTRAINT `message_recipient_user` FOREIGN KEY (`recipient_id`) REFERENCES `user` (`id`),
  CONSTRAINT `message_group_allgroup` FOREIGN KEY (`group_id`) REFERENCES `allgroup` (`id`),
  CONSTRAINT `message_one_target` CHECK ((`recipient_id` IS NULL) <> (`group_id` IS NULL))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- The seed's offlinemessage(userid, message), now the per-recipient pending set: one row per
-- (recipient, message) not yet acknowledged by the recipient's client. The seed's `message`
-- text column becomes `message_id`, a reference into `message`, so a group message is stored
-- once however many members it waits for. A row is removed only when the client acknowledges
-- the message, so a node that dies mid-delivery loses nothing.
CREATE TABLE IF NOT EXISTS `offlinemessage` (
  `userid` BIGINT NOT NULL,
  `message_id` BIGINT NOT NULL,
  -- One row per message and recipient (a message is pending at most once), and the pending
  -- messages of a user, oldest first, are one range scan of this key.
  PRIMARY KEY (`userid`, `message_id`),
  -- Added: index for the foreign key on the message; deleting a group finds its pending rows.
  KEY `offlinemessage_message` (`message_id`),
  CONSTRAINT `offlinemessage_user` FOREIGN KEY (`userid`) REFERENCES `user` (`id`) ON DELETE CASCADE,
  CONSTRAINT `offlinemessage_message_row` FOREIGN KEY (`message_id`) REFERENCES `message` (`id`) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Added table: resume tokens. A successful login hands the client a random token (32 bytes);
-- `resume` with it logs the user in again, on any node, without the password's scrypt work, so
-- a node's clients reconnecting at once after it died cost a lookup each, not ~200 ms of CPU.
-- Only the token's SHA-256 is kept (a leaked table logs nobody in) and compared in constant
-- time. A row ends at `expires_at`, at `loginout` (every token of the user) and with its user.
CREATE TABLE IF NOT EXISTS `session_token` (
  `id` BIGINT NOT NULL AUTO_INCREMENT,
  `user_id` BIGINT NOT NULL,
  -- SHA-256 of the token, in hex.
  `token_hash` CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  -- When the login that made it succeeded, and when it stops being accepted (ms since the epoch).
  `created_at` BIGINT NOT NULL,
  `expires_at` BIGINT NOT NULL,
  PRIMARY KEY (`id`),
  -- A resume reads the tokens of one user; a login prunes that user's oldest tokens by id.
  KEY `session_token_user` (`user_id`, `id`),
  CONSTRAINT `session_token_owner` FOREIGN KEY (`user_id`) REFERENCES `user` (`id`) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
