// Fitting text into a pane of the full-screen client: lines wrapped to the pane's width (at a
// space where one is near, mid-word otherwise) and the window of rows that fits its height.
// Widths are terminal columns: CJK, fullwidth forms and emoji take two, combining marks none.

const zeroWidth = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const doubleWidth =
  /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Extended_Pictographic}\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\uA960-\uA97F\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]$/u;

/** Terminal columns one code point takes. */
export function columnsOf(codePoint: string): number {
  if (zeroWidth.test(codePoint)) return 0;
  return doubleWidth.test(codePoint) ? 2 : 1;
}

/** Terminal columns a line of text takes. */
export function textColumns(text: string): number {
  let columns = 0;
  for (const codePoint of text) columns += columnsOf(codePoint);
  return columns;
}

/** The longest end of `text` that fits in `columns`. */
export function lastColumns(text: string, columns: number): string {
  const codePoints = [...text];
  let used = 0;
  let start = codePoints.length;
  while (start > 0 && used + columnsOf(codePoints[start - 1] ?? '') <= columns) used += columnsOf(codePoints[--start] ?? '');
  return codePoints.slice(start).join('');
}

/** `text` cut to `columns` with an ellipsis when it is longer, padded with spaces when shorter. */
export function fitColumns(text: string, columns: number): string {
  const width = textColumns(text);
  if (width <= columns) return text + ' '.repeat(columns - width);
  let fitted = '';
  let used = 0;
  for (const codePoint of text) {
    const next = columnsOf(codePoint);
    if (used + next > columns - 1) break;
    fitted += codePoint;
    used += next;
  }
  return `${fitted}…${' '.repeat(Math.max(0, columns - 1 - used))}`;
}

export function wrapText(text: string, width: number): string[] {
  if (width <= 0) return [];
  const rows: string[] = [];
  for (const paragraph of text.replace(/\t/g, '  ').split('\n')) {
    let row: string[] = [];
    let rowColumns = 0;
    // Where the last space of the row is (index into row) and the columns before it.
    let space = -1;
    let spaceColumns = 0;
    for (const codePoint of paragraph) {
      const columns = Math.min(columnsOf(codePoint), width);
      if (rowColumns + columns > width) {
        if (codePoint === ' ') {
          rows.push(row.join('').trimEnd());
          row = [];
        } else if (space >= 0 && spaceColumns > width / 2) {
          rows.push(row.slice(0, space).join('').trimEnd());
          row = row.slice(space + 1);
        } else {
          rows.push(row.join('').trimEnd());
          row = [];
        }
        rowColumns = textColumns(row.join(''));
        space = -1;
        if (row.length === 0 && codePoint === ' ') continue;
      }
      if (codePoint === ' ') {
        space = row.length;
        spaceColumns = rowColumns;
      }
      row.push(codePoint);
      rowColumns += columns;
    }
    rows.push(row.join(''));
  }
  return rows;
}

/**
 * The `height` rows that end `scrollBackRows` rows above the last one; scrollBackRows is
 * clamped so that the window never runs past the first row. Returns the rows and the clamp.
 */
export function windowOf(rows: string[], height: number, scrollBackRows: number): { rows: string[]; scrollBackRows: number } {
  if (height <= 0) return { rows: [], scrollBackRows: 0 };
  const maxBack = Math.max(0, rows.length - height);
  const back = Math.min(Math.max(0, scrollBackRows), maxBack);
  const end = rows.length - back;
  return { rows: rows.slice(Math.max(0, end - height), end), scrollBackRows: back };
}

/** The first of `visible` rows out of `count` to show so that row `index` is on screen, centred where possible. */
export function windowStartAround(count: number, index: number, visible: number): number {
  return Math.min(Math.max(0, index - Math.floor(visible / 2)), Math.max(0, count - visible));
}
