// The row above the input: the outcome of the last command, an error in red.
import { Box, Text } from 'ink';
import type { ChatState } from './chat-state.js';

export function StatusLine({ state, columns }: { state: ChatState; columns: number }) {
  return (
    <Box width={columns} height={1}>
      <Text color={state.statusLine.isError ? 'red' : 'cyan'} wrap="truncate-end">{state.statusLine.text}</Text>
    </Box>
  );
}
