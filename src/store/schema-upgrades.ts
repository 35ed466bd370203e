// Columns dchat added to its own tables after databases had been created with them.
// `CREATE TABLE IF NOT EXISTS` leaves an existing table as it is, so a database made by an
// earlier dchat would never get them from schema.sql or sqlite-schema.ts alone: migrate() adds
// each one a table lacks. A new database gets them from the schema and needs none of this.

export interface ColumnUpgrade {
  table: string;
  column: string;
  /** One ALTER that adds the column with its keys: InnoDB applies it whole or not at all. */
  mysql: string;
  /** Adds the column only; the schema's `CREATE UNIQUE INDEX IF NOT EXISTS` that runs next adds its index. */
  sqlite: string;
}

export const columnUpgrades: readonly ColumnUpgrade[] = [
  {
    table: 'message',
    column: 'client_msg_id',
    mysql:
      'ALTER TABLE `message` ADD COLUMN `client_msg_id` VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER `sent_at`, ' +
      'ADD UNIQUE KEY `message_client_msg_id` (`sender_id`, `client_msg_id`)',
    sqlite: 'ALTER TABLE message ADD COLUMN client_msg_id TEXT NULL',
  },
  {
    table: 'groupuser',
    column: 'joined_after',
    mysql: 'ALTER TABLE `groupuser` ADD COLUMN `joined_after` BIGINT NOT NULL DEFAULT 0 AFTER `grouprole`',
    sqlite: 'ALTER TABLE groupuser ADD COLUMN joined_after INTEGER NOT NULL DEFAULT 0',
  },
  {
    table: 'allgroup',
    column: 'invite_only',
    mysql: 'ALTER TABLE `allgroup` ADD COLUMN `invite_only` TINYINT NOT NULL DEFAULT 0 AFTER `groupdesc`',
    sqlite: 'ALTER TABLE allgroup ADD COLUMN invite_only INTEGER NOT NULL DEFAULT 0 CHECK (invite_only IN (0, 1))',
  },
];

/** The upgrades an existing database needs. columnsOf returns [] for a table that does not exist
 * yet: the schema creates it whole. */
export function upgradesDue(columnsOf: (table: string) => readonly string[]): ColumnUpgrade[] {
  return columnUpgrades.filter((upgrade) => {
    const present = columnsOf(upgrade.table);
    return present.length > 0 && !present.includes(upgrade.column);
  });
}

/** A MySQL column made wider after databases had been created with it narrower. */
export interface ColumnWidening {
  table: string;
  column: string;
  /** The width schema.sql declares now, in characters. */
  chars: number;
  /** Widens the column in place (InnoDB keeps the rows; widening never truncates). */
  mysql: string;
}

// allgroup's name and description were VARCHAR(50) and VARCHAR(200) while the services allow 64
// and 256 characters, so MariaDB refused names the rules accept. SQLite's TEXT has no width.
export const columnWidenings: readonly ColumnWidening[] = [
  {
    table: 'allgroup',
    column: 'groupname',
    chars: 64,
    mysql: 'ALTER TABLE `allgroup` MODIFY `groupname` VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL',
  },
  {
    table: 'allgroup',
    column: 'groupdesc',
    chars: 256,
    mysql: "ALTER TABLE `allgroup` MODIFY `groupdesc` VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT ''",
  },
];

/** The widenings a MySQL database needs, given the character width of each of its columns. */
export function wideningsDue(widthOf: (table: string, column: string) => number | undefined): ColumnWidening[] {
  return columnWidenings.filter((w) => {
    const width = widthOf(w.table, w.column);
    return width !== undefined && width < w.chars;
  });
}
