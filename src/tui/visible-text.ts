// What the clients print of a text from the server. The server refuses control characters
// (src/services/safe-text.ts), but a row stored before that rule, or a node of another version,
// can still deliver one, and a terminal obeys what it is sent: ESC sequences erase lines, set the
// title or write the clipboard. So every such character is shown as its escape (`\x1b`, `\u202e`),
// never written raw.

/** In texts: controls but newline and tab, and the bidi controls that reorder the rest of the line. */
const textUnsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** In names, which are one line: every control, format character and line separator. */
const nameUnsafe = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

function escapeOf(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** A message text (or any line of output) safe to print; newlines and tabs stay. */
export function visibleText(text: string): string {
  return text.replace(textUnsafe, escapeOf);
}

/** A user or group name safe to print on one line. */
export function visibleName(name: string): string {
  return name.replace(nameUnsafe, escapeOf);
}
