// The left pane: the dchat pane, the friends (● online, ○ offline), the people who wrote without
// being friends (or are no longer), and the groups, each with its unread count; the selected one
// is highlighted.
import { Box, Text } from 'ink';
import type { ChatState, Conversation } from './chat-state.js';
import { fitColumns, windowStartAround } from './text-wrap.js';

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
  const fitted = fitColumns(text, room);
  return (
    <Text inverse={isSelected} color={conversation.kind === 'friend' && conversation.isOnline ? 'green' : undefined} wrap="truncate-end">
      {fitted}
      <Text bold color="yellow">{unread}</Text>
    </Text>
  );
}

export function ConversationList({ state, width, height }: { state: ChatState; width: number; height: number }) {
  const friends = state.conversations.filter((c) => c.kind === 'friend' && c.isFriend);
  const others = state.conversations.filter((c) => c.kind === 'friend' && !c.isFriend);
  const groups = state.conversations.filter((c) => c.kind === 'group');
  const inner = width - 2;
  const row = (c: Conversation) => <Row key={c.key} conversation={c} isSelected={c.key === state.selectedKey} width={inner} />;
  const rows = [
    ...state.conversations.filter((c) => c.kind === 'dchat').map(row),
    <Text key="friends" dimColor wrap="truncate-end">{'Friends'}</Text>,
    ...(friends.length === 0 ? [<Text key="no-friends" dimColor>{'  none'}</Text>] : friends.map(row)),
    ...(others.length === 0 ? [] : [<Text key="others" dimColor>{'Not friends'}</Text>, ...others.map(row)]),
    <Text key="groups" dimColor>{'Groups'}</Text>,
    ...(groups.length === 0 ? [<Text key="no-groups" dimColor>{'  none'}</Text>] : groups.map(row)),
  ];
  // A list taller than the pane shows the part around the selection.
  const visible = Math.max(1, height - 2);
  const selectedIndex = rows.findIndex((r) => r.key === state.selectedKey);
  const start = windowStartAround(rows.length, selectedIndex, visible);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="single" overflow="hidden">
      {rows.slice(start, start + visible)}
    </Box>
  );
}
