// Fitting text into a pane of the full-screen client: lines wrapped to the pane's width (at a
// space where one is near, mid-word otherwise) and the window of rows that fits its height.
// Widths are terminal columns, measured per grapheme by string-width (Ink's own measure): a
// family emoji or a flag made of several code points is one grapheme of two columns, halfwidth
// katakana one, CJK two, a combining mark none. A grapheme is never split.
import stringWidth from 'string-width';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The graphemes of `text`, in order. */
export function graphemesOf(text: string): string[] {
  return [...segmenter.segment(text)].map((s) => s.segment);
}

/** Terminal columns one grapheme takes. */
export function columnsOf(grapheme: string): number {
  return stringWidth(grapheme);
}

/** Terminal columns a line of text takes. */
export function textColumns(text: string): number {
  return stringWidth(text);
}

/** The longest end of `text` that fits in `columns`. */
export function lastColumns(text: string, columns: number): string {
  const graphemes = graphemesOf(text);
  let used = 0;
  let start = graphemes.length;
  while (start > 0 && used + columnsOf(graphemes[start - 1] ?? '') <= columns) used += columnsOf(graphemes[--start] ?? '');
  return graphemes.slice(start).join('');
}

/** `text` cut to `columns` with an ellipsis when it is longer, padded with spaces when shorter. */
export function fitColumns(text: string, columns: number): string {
  const width = textColumns(text);
  if (width <= columns) return text + ' '.repeat(columns - width);
  let fitted = '';
  let used = 0;
  for (const grapheme of graphemesOf(text)) {
    const next = columnsOf(grapheme);
    if (used + next > columns - 1) break;
    fitted += grapheme;
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
    for (const codePoint of graphemesOf(paragraph)) {
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
