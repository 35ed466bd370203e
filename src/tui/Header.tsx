// The top row: which node, who is logged in, and the state of the connection.
import { Box, Text } from 'ink';
import type { ChatState } from './chat-state.js';

const statusColor = { connecting: 'yellow', connected: 'green', reconnecting: 'yellow', disconnected: 'red', closed: 'red' } as const;

export function Header({ state, columns }: { state: ChatState; columns: number }) {
  const { status, detail } = state.connection;
  const who = state.me ? `${state.me.name} (${state.me.id})` : 'not logged in';
  const shown = status === 'reconnecting' || status === 'disconnected' || status === 'closed' ? `${status}: ${detail}` : status;
  return (
    <Box width={columns} height={1}>
      <Box flexShrink={0}>
        <Text bold inverse>{` dchat `}</Text>
      </Box>
      <Text wrap="truncate-end">
        {` ${state.server}  │  ${who}  │  `}
        <Text color={statusColor[status]}>{`● ${shown}`}</Text>
      </Text>
    </Box>
  );
}
