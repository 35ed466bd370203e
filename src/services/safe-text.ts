// Which characters dchat stores. Message texts and names end up in other people's terminals: a
// control character there is a command to the terminal (ESC erases lines, sets the window title,
// writes the clipboard with OSC 52; U+009B is a one-byte CSI), and in a name a bidi override, a
// zero-width character or a full-width look-alike makes one user pass for another. So the server
// refuses them before they are stored (docs/rules.md), and the clients escape whatever still
// arrives (src/tui/visible-text.ts).

/** C0 controls except tab and newline, DEL, and the C1 controls: refused in message texts. */
const textControl = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u;

/**
 * Refused in names: every control (tab and newline too), every format character (bidi embeddings,
 * overrides, isolates and marks, zero-width space/joiner/non-joiner, word joiner, BOM, soft
 * hyphen, tag characters) and the line and paragraph separators.
 */
const nameUnsafe = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

const controlNames: Readonly<Record<number, string>> = {
  0x00: 'NUL', 0x07: 'BEL', 0x08: 'BS', 0x09: 'TAB', 0x0a: 'LF', 0x0d: 'CR', 0x1b: 'ESC', 0x7f: 'DEL', 0x9b: 'CSI',
  0x200b: 'ZERO WIDTH SPACE', 0x200c: 'ZERO WIDTH NON-JOINER', 0x200d: 'ZERO WIDTH JOINER', 0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK', 0x202a: 'LEFT-TO-RIGHT EMBEDDING', 0x202b: 'RIGHT-TO-LEFT EMBEDDING', 0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE', 0x202e: 'RIGHT-TO-LEFT OVERRIDE', 0x2060: 'WORD JOINER', 0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE', 0x2068: 'FIRST STRONG ISOLATE', 0x2069: 'POP DIRECTIONAL ISOLATE', 0xfeff: 'ZERO WIDTH NO-BREAK SPACE',
};

/** "U+001B (ESC)": a code point as a refusal quotes it. */
export function describeCodePoint(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = controlNames[code];
  return name ? `${hex} (${name})` : hex;
}

/** Where the first character matching `pattern` is: "U+001B (ESC) at character 3", or undefined. */
function firstMatch(value: string, pattern: RegExp): string | undefined {
  let position = 0;
  for (const char of value) {
    position++;
    if (pattern.test(char)) return `${describeCodePoint(char)} at character ${position}`;
  }
  return undefined;
}

/** The first character a message text may not hold, described; undefined when the text is safe. */
export function unsafeTextChar(text: string): string | undefined {
  return firstMatch(text, textControl);
}

/** The first character a name may not hold, described; undefined when the name is safe. */
export function unsafeNameChar(name: string): string | undefined {
  return firstMatch(name, nameUnsafe);
}

/**
 * A name as dchat stores it: NFKC-normalised, so that full-width and other compatibility
 * look-alikes ("ａｄｍｉｎ", "ℌ", "ﬁ") become the plain letters they imitate and meet the
 * uniqueness check of the name they imitate; trimmed after that, as NFKC turns U+3000 into a space.
 */
export function normaliseName(value: string | null | undefined): string {
  return (value ?? '').normalize('NFKC').trim();
}
