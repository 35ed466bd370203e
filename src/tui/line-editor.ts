// The input line being edited: its text and a cursor, moved and edited as readline and every
// shell do (Left/Right, Home/End or Ctrl-A/E, Alt-B/F by words, Ctrl-W the word before the
// cursor, Ctrl-U all before it, Ctrl-K all after it). The cursor steps over whole graphemes, so
// an emoji or an accented letter is one step. Pure functions of an immutable value.
import { closestWord } from '../base/did-you-mean.js';

export interface EditedLine {
  readonly text: string;
  /** Index into `text` (UTF-16 units), always on a grapheme boundary. */
  readonly cursor: number;
}

export const emptyLine: EditedLine = { text: '', cursor: 0 };

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Start index of every grapheme of `text`, then text.length. */
function boundaries(text: string): number[] {
  return [...[...segmenter.segment(text)].map((s) => s.index), text.length];
}

export function lineOf(text: string): EditedLine {
  return { text, cursor: text.length };
}

export function insertText(line: EditedLine, text: string): EditedLine {
  return { text: line.text.slice(0, line.cursor) + text + line.text.slice(line.cursor), cursor: line.cursor + text.length };
}

export function moveLeft(line: EditedLine): EditedLine {
  const before = boundaries(line.text).filter((b) => b < line.cursor);
  return { ...line, cursor: before[before.length - 1] ?? 0 };
}

export function moveRight(line: EditedLine): EditedLine {
  return { ...line, cursor: boundaries(line.text).find((b) => b > line.cursor) ?? line.text.length };
}

export function moveHome(line: EditedLine): EditedLine {
  return { ...line, cursor: 0 };
}

export function moveEnd(line: EditedLine): EditedLine {
  return { ...line, cursor: line.text.length };
}

/** Start of the word before the cursor (spaces before it skipped), as Alt-B and Ctrl-W see it. */
function wordStartBefore(line: EditedLine): number {
  let i = line.cursor;
  while (i > 0 && /\s/.test(line.text.charAt(i - 1))) i--;
  while (i > 0 && !/\s/.test(line.text.charAt(i - 1))) i--;
  return i;
}

function wordEndAfter(line: EditedLine): number {
  let i = line.cursor;
  while (i < line.text.length && /\s/.test(line.text.charAt(i))) i++;
  while (i < line.text.length && !/\s/.test(line.text.charAt(i))) i++;
  return i;
}

export function moveWordLeft(line: EditedLine): EditedLine {
  return { ...line, cursor: wordStartBefore(line) };
}

export function moveWordRight(line: EditedLine): EditedLine {
  return { ...line, cursor: wordEndAfter(line) };
}

export function deleteBefore(line: EditedLine): EditedLine {
  const start = moveLeft(line).cursor;
  return { text: line.text.slice(0, start) + line.text.slice(line.cursor), cursor: start };
}

export function deleteWordBefore(line: EditedLine): EditedLine {
  const start = wordStartBefore(line);
  return { text: line.text.slice(0, start) + line.text.slice(line.cursor), cursor: start };
}

export function deleteToStart(line: EditedLine): EditedLine {
  return { text: line.text.slice(line.cursor), cursor: 0 };
}

export function deleteToEnd(line: EditedLine): EditedLine {
  return { text: line.text.slice(0, line.cursor), cursor: line.cursor };
}

/**
 * Where the password of a login or register line starts (`login:1:` or `/login 1 `, and their
 * typos, `loign:1:`), or undefined for a line that carries none. From there on the line is
 * masked on screen and it is kept out of the input history.
 */
export function passwordStart(text: string): number | undefined {
  const match = /^(\s*\/?)([^\s:]+)([:\s]+)/.exec(text);
  if (!match) return undefined;
  const word = (match[2] ?? '').toLowerCase();
  const isPasswordCommand = word === 'login' || word === 'register' || closestWord(word, ['login', 'register']) !== undefined;
  if (!isPasswordCommand) return undefined;
  const afterWord = match[0].length;
  const separator = /[:\s]/.exec(text.slice(afterWord));
  return separator ? afterWord + separator.index + 1 : undefined;
}
