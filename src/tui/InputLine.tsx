// The bottom row: what is being typed, with a cursor at its end; the prompt names where a plain
// line goes.
import { Box, Text } from 'ink';
import type { Conversation } from './chat-state.js';
import { lastColumns, textColumns } from './text-wrap.js';

function promptOf(c: Conversation): string {
  if (c.kind === 'dchat') return 'command> ';
  return c.kind === 'friend' ? `to ${c.title}> ` : `to #${c.title}> `;
}

export function InputLine({ value, target, columns }: { value: string; target: Conversation; columns: number }) {
  const prompt = promptOf(target);
  const room = Math.max(1, columns - textColumns(prompt) - 1);
  // A line longer than the row shows its end, where the typing happens.
  const shown = lastColumns(value, room);
  return (
    <Box width={columns} height={1}>
      <Text bold>{prompt}</Text>
      <Text>{shown}</Text>
      <Text inverse>{' '}</Text>
    </Box>
  );
}
