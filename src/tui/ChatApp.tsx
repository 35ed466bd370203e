// The full-screen client's screen: the header, the conversations on the left, the selected
// conversation in the middle, the status line and the input line at the bottom, sized to the
// terminal and redrawn when it is resized.
import { useCallback, useRef } from 'react';
import { Box, useApp } from 'ink';
import type { ChatSessionOptions } from '../client/chat-session.js';
import { selectedConversation } from './chat-state.js';
import { ConversationList } from './ConversationList.js';
import { ConversationPane, conversationRows, paneTextRows } from './ConversationPane.js';
import { Header } from './Header.js';
import { InputLine } from './InputLine.js';
import { StatusLine } from './StatusLine.js';
import { useChatKeys } from './use-chat-keys.js';
import { useChatSession } from './use-chat-session.js';
import { useTerminalSize } from './use-terminal-size.js';

/** The left pane's width, borders included, on a terminal wide enough for it. */
const listWidth = 28;

export interface ChatAppProps {
  session: ChatSessionOptions;
  /** Called when the first connection fails, before the app exits. */
  onConnectFailed: (message: string) => void;
  /** Lines the dchat pane starts with after the greeting. */
  greeting?: readonly string[];
}

export function ChatApp({ session: options, onConnectFailed, greeting }: ChatAppProps) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const failConnect = useCallback((message: string) => {
    onConnectFailed(message);
    exit();
  }, [onConnectFailed, exit]);
  const closeRef = useRef<() => void>(() => undefined);
  const quit = useCallback(() => {
    closeRef.current();
    exit();
  }, [exit]);
  const { state, dispatch, submit, close, loadOlder } = useChatSession(options, failConnect, quit, greeting);
  closeRef.current = close;
  const middleRows = Math.max(3, rows - 3);
  const leftWidth = Math.min(listWidth, Math.floor(columns / 3));
  const selected = selectedConversation(state);
  const selectedRows = conversationRows(selected, Math.max(1, columns - leftWidth - 2)).length;
  const keys = useChatKeys({
    submit,
    dispatch,
    quit,
    pageRows: Math.max(1, paneTextRows(middleRows) - 1),
    maxScrollBackRows: Math.max(0, selectedRows - paneTextRows(middleRows)),
    onScrollPastTop: () => loadOlder(selected.key),
  });
  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Header state={state} columns={columns} />
      <Box flexDirection="row" height={middleRows}>
        <ConversationList state={state} width={leftWidth} height={middleRows} />
        <ConversationPane conversation={selected} width={columns - leftWidth} height={middleRows} scrollBackRows={keys.scrollBackRows} />
      </Box>
      <StatusLine state={state} columns={columns} />
      <InputLine line={keys.line} target={selected} columns={columns} />
    </Box>
  );
}
