// Fitting text into a pane of the full-screen client: lines wrapped to the pane's width (at a
// space where one is near, mid-word otherwise) and the window of rows that fits its height.
// Widths count UTF-16 code units, so wide (CJK) characters may overhang a little.

export function wrapText(text: string, width: number): string[] {
  if (width <= 0) return [];
  const rows: string[] = [];
  for (const paragraph of text.replace(/\t/g, '  ').split('\n')) {
    let rest = paragraph;
    while (rest.length > width) {
      const space = rest.lastIndexOf(' ', width);
      const cut = space > width / 2 ? space : width;
      rows.push(rest.slice(0, cut).trimEnd());
      rest = rest.slice(cut).replace(/^ /, '');
    }
    rows.push(rest);
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
