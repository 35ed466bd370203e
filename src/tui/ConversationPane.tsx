// The main pane: the selected conversation's title and as many of its latest lines as fit,
// wrapped to the pane's width; PageUp/PageDown scroll back, End returns to the newest. Above
// the oldest loaded message a marker says whether older ones can be fetched (PageUp at the top
// does) or the conversation starts there.
import { Box, Text } from 'ink';
import type { ChatLine, Conversation } from './chat-state.js';
import { formatTime } from './message-format.js';
import { windowOf, wrapText } from './text-wrap.js';

function titleOf(c: Conversation): string {
  switch (c.kind) {
    case 'dchat':
      return 'dchat: command output';
    case 'friend':
      if (!c.isFriend) return `${c.title} (${c.id}), not a friend: /addfriend ${c.id}`;
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
  if (line.isNotice) return `${formatTime(line.sentAtMs).slice(11, 16)} ${line.text}`;
  return `${formatTime(line.sentAtMs).slice(11, 16)} ${line.fromName}: ${line.text}`;
}

export const olderMarker = '── older messages: PageUp ──';
export const startMarker = '── start of the conversation ──';

/** The conversation's rows at this width, the marker above the oldest message first. */
export function conversationRows(conversation: Conversation, width: number): string[] {
  const rows = conversation.lines.flatMap((line) => wrapText(textOf(conversation, line), width));
  if (conversation.kind === 'dchat' || !conversation.isHistoryLoaded) return rows;
  return [conversation.hasOlder ? olderMarker : startMarker, ...rows];
}

/** Rows of text the pane has below its border and title. */
export function paneTextRows(height: number): number {
  return Math.max(0, height - 3);
}

export function ConversationPane(props: { conversation: Conversation; width: number; height: number; scrollBackRows: number }) {
  const { conversation, width, height } = props;
  const rows = conversationRows(conversation, Math.max(1, width - 2));
  const view = windowOf(rows, paneTextRows(height), props.scrollBackRows);
  const isLoading = conversation.kind !== 'dchat' && !conversation.isHistoryLoaded;
  const scrolled = view.scrollBackRows > 0 ? `  (↑${view.scrollBackRows}, End: newest)` : '';
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="single" overflow="hidden">
      <Text bold wrap="truncate-end">{`${titleOf(conversation)}${isLoading ? '  loading history…' : ''}${scrolled}`}</Text>
      {view.rows.map((row, index) => (
        <Text key={index} wrap="truncate-end" dimColor={row === olderMarker || row === startMarker}>{row === '' ? ' ' : row}</Text>
      ))}
    </Box>
  );
}
