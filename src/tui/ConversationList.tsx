// The left pane: the dchat pane, the friends (● online, ○ offline) and the groups, each with
// its unread count; the selected one is highlighted.
import { Box, Text } from 'ink';
import type { ChatState, Conversation } from './chat-state.js';

function label(c: Conversation): string {
  switch (c.kind) {
    case 'dchat':
      return '» dchat';
    case 'friend':
      return `${c.isFriend ? (c.isOnline ? '●' : '○') : '·'} ${c.title} (${c.id})`;
    case 'group':
      return `# ${c.title} (${c.id})`;
    default: {
      const unreachable: never = c.kind;
      return unreachable;
    }
  }
}

function Row({ conversation, isSelected, width }: { conversation: Conversation; isSelected: boolean; width: number }) {
  const unread = conversation.unread > 0 ? ` [${conversation.unread}]` : '';
  // The marker shows the selection where inverse video does not (monochrome, copied text).
  const text = `${isSelected ? '›' : ' '}${label(conversation)}`;
  const room = Math.max(1, width - unread.length);
  const fitted = text.length > room ? `${text.slice(0, Math.max(0, room - 1))}…` : text.padEnd(room);
  return (
    <Text inverse={isSelected} color={conversation.kind === 'friend' && conversation.isOnline ? 'green' : undefined} wrap="truncate-end">
      {fitted}
      <Text bold color="yellow">{unread}</Text>
    </Text>
  );
}

export function ConversationList({ state, width, height }: { state: ChatState; width: number; height: number }) {
  const friends = state.conversations.filter((c) => c.kind === 'friend');
  const groups = state.conversations.filter((c) => c.kind === 'group');
  const inner = width - 2;
  const row = (c: Conversation) => <Row key={c.key} conversation={c} isSelected={c.key === state.selectedKey} width={inner} />;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="single" overflow="hidden">
      {state.conversations.filter((c) => c.kind === 'dchat').map(row)}
      <Text dimColor>{'Friends'}</Text>
      {friends.length === 0 ? <Text dimColor>{'  none'}</Text> : friends.map(row)}
      <Text dimColor>{'Groups'}</Text>
      {groups.length === 0 ? <Text dimColor>{'  none'}</Text> : groups.map(row)}
    </Box>
  );
}
