// Values written into the text of a MySQL statement, for the write batches that send a turn's
// statements in one round trip (a text query; prepared statements take one statement each).
// Nothing here escapes: an integer is checked to be one, and a string goes as the hex of its
// UTF-8 bytes, converted back by the server. A hex literal means the same under every sql_mode
// (NO_BACKSLASH_ESCAPES, ANSI_QUOTES) and every client character set, so no text a user sends can
// end the literal it is in.

/** An integer as SQL; anything but a safe integer is a bug in the caller and throws. */
export function sqlInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer for SQL: ${String(value)}`);
  return String(value);
}

/** An id as SQL, 0 and undefined as NULL (the message's absent recipient or group). */
export function sqlIdOrNull(value: number | undefined): string {
  return value ? sqlInt(value) : 'NULL';
}

/** A string as SQL: its UTF-8 bytes in hex, read back as utf8mb4 text; undefined as NULL. */
export function sqlText(value: string | undefined): string {
  if (value === undefined) return 'NULL';
  if (value === '') return "''";
  return `CONVERT(X'${Buffer.from(value, 'utf8').toString('hex')}' USING utf8mb4)`;
}
