// The bottom row: what is being typed, with the cursor where it stands (inverse video); the
// prompt names where a plain line goes. The password of a login or register line shows as
// stars. A line longer than the row scrolls sideways to keep the cursor in view.
import { Box, Text } from 'ink';
import type { Conversation } from './chat-state.js';
import { passwordStart, type EditedLine } from './line-editor.js';
import { lastColumns, textColumns } from './text-wrap.js';

function promptOf(c: Conversation): string {
  if (c.kind === 'dchat') return 'command> ';
  return c.kind === 'friend' ? `to ${c.title}> ` : `to #${c.title}> `;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function stars(text: string): string {
  return '*'.repeat([...segmenter.segment(text)].length);
}

/** The line as shown: before the cursor, the grapheme under it, and after it. */
export function shownLine(line: EditedLine): { before: string; at: string; after: string } {
  const secretFrom = passwordStart(line.text) ?? line.text.length;
  const show = (from: number, to: number): string => {
    const plain = line.text.slice(from, Math.min(to, secretFrom));
    const secret = line.text.slice(Math.max(from, secretFrom), to);
    return plain + stars(secret);
  };
  const rest = line.text.slice(line.cursor);
  const atLength = ([...segmenter.segment(rest)][0]?.segment ?? '').length;
  const at = atLength === 0 ? ' ' : show(line.cursor, line.cursor + atLength);
  return { before: show(0, line.cursor), at, after: show(line.cursor + atLength, line.text.length) };
}

/** The start of `text` that fits in `columns`. */
function firstColumns(text: string, columns: number): string {
  let fitted = '';
  for (const { segment } of segmenter.segment(text)) {
    if (textColumns(fitted + segment) > columns) break;
    fitted += segment;
  }
  return fitted;
}

export function InputLine({ line, target, columns }: { line: EditedLine; target: Conversation; columns: number }) {
  const prompt = lastColumns(promptOf(target), Math.max(4, Math.floor(columns / 3)));
  const room = Math.max(2, columns - textColumns(prompt));
  const { before, at, after } = shownLine(line);
  const beforeShown = lastColumns(before, Math.max(0, room - textColumns(at) - 1));
  const afterShown = firstColumns(after, Math.max(0, room - textColumns(beforeShown) - textColumns(at)));
  return (
    <Box width={columns} height={1}>
      <Text bold>{prompt}</Text>
      <Text>{beforeShown}</Text>
      <Text inverse>{at}</Text>
      <Text>{afterShown}</Text>
    </Box>
  );
}
