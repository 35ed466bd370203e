// The main pane: the selected conversation's title and as many of its latest lines as fit,
// wrapped to the pane's width; PageUp/PageDown scroll back.
import { Box, Text } from 'ink';
import type { ChatLine, Conversation } from './chat-state.js';
import { formatTime } from './message-format.js';
import { windowOf, wrapText } from './text-wrap.js';

function titleOf(c: Conversation): string {
  switch (c.kind) {
    case 'dchat':
      return 'dchat: command output';
    case 'friend':
      if (!c.isFriend) return `${c.title} (${c.id}), not a friend: addfriend:${c.id} to see when online`;
      return `${c.title} (${c.id}) ${c.isOnline ? 'online' : 'offline'}`;
    case 'group':
      return `group ${c.title} (${c.id})`;
    default: {
      const unreachable: never = c.kind;
      return unreachable;
    }
  }
}

function textOf(c: Conversation, line: ChatLine): string {
  if (c.kind === 'dchat') return line.text;
  return `${formatTime(line.sentAtMs).slice(11, 16)} ${line.fromName}: ${line.text}`;
}

export function ConversationPane(props: { conversation: Conversation; width: number; height: number; scrollBackRows: number }) {
  const { conversation, width, height } = props;
  const inner = Math.max(1, width - 2);
  const rows = conversation.lines.flatMap((line) => wrapText(textOf(conversation, line), inner));
  const view = windowOf(rows, Math.max(0, height - 3), props.scrollBackRows);
  const isLoading = conversation.kind !== 'dchat' && !conversation.isHistoryLoaded;
  const scrolled = view.scrollBackRows > 0 ? `  (scrolled back ${view.scrollBackRows} rows)` : '';
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="single" overflow="hidden">
      <Text bold wrap="truncate-end">{`${titleOf(conversation)}${isLoading ? '  loading history…' : ''}${scrolled}`}</Text>
      {view.rows.map((row, index) => (
        <Text key={index} wrap="truncate-end">{row === '' ? ' ' : row}</Text>
      ))}
    </Box>
  );
}
