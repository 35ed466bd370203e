// The full-screen client's link to the chat node: one ChatSession whose pushed messages, events
// and connection changes become actions of the chat state, a `submit` that runs a typed line
// (a command, or a message to the conversation on screen) and shows its outcome, and the
// history of a conversation loaded the first time it is selected.
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import { errorMessage } from '../base/dchat-error.js';
import { dchat } from '../gen/proto.js';
import type { RequestBody } from '../client/chat-client.js';
import { ChatSession, type ChatSessionOptions, type SessionStatus } from '../client/chat-session.js';
import { initialChatState, keyOfFriend, keyOfGroup, reduceChat, selectedConversation, type ChatAction, type ChatState, type ConversationKey } from './chat-state.js';
import { describeEvent, runCommand, type Requester } from './command-runner.js';
import { interpretInput } from './input-intent.js';
import { keyHelp } from './use-chat-keys.js';

/** How many messages a conversation shows when it is first opened. */
export const historyLimit = 50;

/** How long a passing status ("sent") stays on the status line. */
export const passingStatusMs = 3000;

export interface ChatSessionHandle {
  state: ChatState;
  dispatch: (action: ChatAction) => void;
  submit: (line: string) => void;
  close: () => void;
  /** Fetches the page of messages before the oldest loaded one of a conversation, if there is one. */
  loadOlder: (key: ConversationKey) => void;
}

function describeConnection(status: SessionStatus, detail: string): ChatAction[] {
  const actions: ChatAction[] = [{ kind: 'connection', status, detail }];
  if (status === 'disconnected' || (status === 'closed' && detail !== 'closed')) actions.push({ kind: 'output', lines: [detail], isError: true });
  return actions;
}

/** `onConnectFailed`: the first connection failed (nothing listens there); the caller decides whether to stay. */
export function useChatSession(options: ChatSessionOptions, onConnectFailed: (message: string) => void, onQuit: () => void, greeting: readonly string[] = []): ChatSessionHandle {
  const [state, dispatch] = useReducer(reduceChat, `${options.host}:${options.port}`, (server: string) => initialChatState(server, greeting));
  const stateRef = useRef(state);
  stateRef.current = state;
  const session = useMemo(() => createSession(options, dispatch, () => stateRef.current), [options]);
  // Every response to the client's own requests also updates the state (see chat-state.ts).
  const requester = useMemo<Requester>(() => ({
    request: async (body: RequestBody) => {
      const response = await session.request(body);
      dispatch({ kind: 'response', request: body, response });
      return response;
    },
  }), [session]);

  useEffect(() => {
    session.connect().catch((err: unknown) => {
      dispatch({ kind: 'connection', status: 'closed', detail: errorMessage(err) });
      onConnectFailed(errorMessage(err));
    });
    return () => session.close();
  }, [session, onConnectFailed]);

  useHistoryLoading(state, requester, dispatch);
  const loadingOlder = useRef(new Set<ConversationKey>());
  const loadOlder = useCallback((key: ConversationKey) => {
    const conversation = stateRef.current.conversations.find((c) => c.key === key);
    if (!conversation || !conversation.hasOlder || loadingOlder.current.has(key)) return;
    loadingOlder.current.add(key);
    const beforeId = conversation.lines[0]?.id ?? 0;
    const target = conversation.kind === 'group' ? { groupId: conversation.id } : { peerId: conversation.id };
    dispatch({ kind: 'status', text: `loading older messages of ${conversation.title}…`, isError: false });
    requester
      .request({ history: { ...target, beforeId, limit: historyLimit } })
      .then(
        (response) => {
          const ok = response.status === dchat.Status.OK;
          const count = response.history?.messages?.length ?? 0;
          const loaded = count === 0 ? `no older messages of ${conversation.title}` : `loaded ${count} older messages of ${conversation.title}`;
          const text = ok ? loaded : `older messages of ${conversation.title}: ${response.errorText}`;
          showPassing(dispatch, text, !ok);
        },
        (err: unknown) => dispatch({ kind: 'status', text: `older messages of ${conversation.title}: ${errorMessage(err)}`, isError: true }),
      )
      .finally(() => loadingOlder.current.delete(key));
  }, [requester]);

  const submit = useCallback((line: string) => void runLine(line, stateRef.current, requester, dispatch, onQuit), [requester, onQuit]);
  const close = useCallback(() => session.close(), [session]);
  // A key that switches conversations and the line typed right after it can arrive in one read,
  // before React renders: the switch must already count for that line, so the state the lines
  // are run against follows the keys' actions at once.
  const dispatchNow = useCallback((action: ChatAction) => {
    stateRef.current = reduceChat(stateRef.current, action);
    dispatch(action);
  }, []);
  return { state, dispatch: dispatchNow, submit, close, loadOlder };
}

/** A status that clears itself after passingStatusMs unless another replaced it. */
function showPassing(dispatch: (action: ChatAction) => void, text: string, isError = false): void {
  dispatch({ kind: 'status', text, isError });
  if (!isError) setTimeout(() => dispatch({ kind: 'status-expired', text }), passingStatusMs).unref?.();
}

/** An event in words: people and groups by name, as the screen knows them before the event. */
function describeEventByName(event: dchat.client.Event, state: ChatState): string | undefined {
  const titleOf = (key: ConversationKey): string | undefined => state.conversations.find((c) => c.key === key)?.title || undefined;
  if (event.presence) {
    const name = titleOf(keyOfFriend(event.presence.userId ?? 0)) ?? `user ${event.presence.userId ?? 0}`;
    return `${name} is ${event.presence.online ? 'online' : 'offline'}`;
  }
  if (event.groupChanged?.deleted) {
    const group = state.conversations.find((c) => c.key === keyOfGroup(event.groupChanged?.groupId ?? 0));
    const name = group?.title ? `group ${group.title}` : `group ${event.groupChanged.groupId ?? 0}`;
    return group?.creatorName ? `${group.creatorName} deleted ${name}` : `${name} was deleted by its creator`;
  }
  // Shown in the group's conversation (chat-state.ts), where it happened.
  if (event.groupMemberChanged) return undefined;
  const friend = event.friendChanged?.friend;
  if (event.friendChanged && friend) {
    const name = friend.name || titleOf(keyOfFriend(friend.id ?? 0)) || `user ${friend.id ?? 0}`;
    return event.friendChanged.added ? `${name} added you as a friend` : `${name} ended your friendship; your conversation stays readable`;
  }
  return describeEvent(event);
}

function createSession(options: ChatSessionOptions, dispatch: (action: ChatAction) => void, currentState: () => ChatState): ChatSession {
  return new ChatSession(options, {
    message: (message) => dispatch({ kind: 'event', event: { message } }),
    event: (event) => {
      const text = describeEventByName(event, currentState());
      dispatch({ kind: 'event', event });
      if (text) dispatch({ kind: 'output', lines: [text], isError: event.kicked !== null && event.kicked !== undefined });
    },
    status: (status, detail) => {
      for (const action of describeConnection(status, detail)) dispatch(action);
    },
    relogin: (response) => {
      dispatch({ kind: 'response', request: { login: { userId: response.login?.user?.id ?? 0 } }, response });
      const ok = response.status === dchat.Status.OK;
      dispatch({ kind: 'status', text: ok ? `logged in again as ${response.login?.user?.name ?? ''}` : `logging in again failed: ${response.errorText}`, isError: !ok });
    },
  });
}

async function runLine(line: string, state: ChatState, requester: Requester, dispatch: (action: ChatAction) => void, onQuit: () => void): Promise<void> {
  const target = selectedConversation(state);
  const intent = interpretInput(line, { kind: target.kind, id: target.id });
  if (intent.kind === 'nothing') return;
  if (intent.kind === 'quit') return onQuit();
  if (intent.kind === 'error') return dispatch({ kind: 'status', text: `error: ${intent.error}`, isError: true });
  const command = intent.command;
  const outcome = await runCommand(requester, command).catch((err: unknown) => ({ lines: [`error: ${errorMessage(err)}`], isError: true }));
  const isChat = command.kind === 'chat' || command.kind === 'groupchat';
  // A sent message shows in its conversation; only its failure is worth a line.
  if (isChat && !outcome.isError) return showPassing(dispatch, 'sent');
  const lines = command.kind === 'help' ? [...outcome.lines, ...keyHelp] : outcome.lines;
  dispatch({ kind: 'output', lines, isError: outcome.isError });
  if (command.kind === 'help') dispatch({ kind: 'select', key: 'dchat' });
}

function useHistoryLoading(state: ChatState, requester: Requester, dispatch: (action: ChatAction) => void): void {
  const requested = useRef(new Set<string>());
  const selected = selectedConversation(state);
  const isLoggedIn = state.me !== undefined;
  useEffect(() => {
    if (!isLoggedIn) requested.current.clear();
    if (!isLoggedIn || selected.kind === 'dchat' || selected.isHistoryLoaded || requested.current.has(selected.key)) return;
    requested.current.add(selected.key);
    const body: RequestBody = selected.kind === 'friend' ? { history: { peerId: selected.id, limit: historyLimit } } : { history: { groupId: selected.id, limit: historyLimit } };
    requester.request(body).then(
      (response) => {
        if (response.status !== dchat.Status.OK) dispatch({ kind: 'status', text: `history of ${selected.title}: ${response.errorText}`, isError: true });
      },
      (err: unknown) => {
        requested.current.delete(selected.key);
        dispatch({ kind: 'status', text: `history of ${selected.title}: ${errorMessage(err)}`, isError: true });
      },
    );
  }, [isLoggedIn, selected.key, selected.kind, selected.id, selected.isHistoryLoaded, selected.title, requester, dispatch]);
}
