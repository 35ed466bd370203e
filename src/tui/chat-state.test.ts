import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../gen/proto.js';
import { initialChatState, reduceChat, selectedConversation, type ChatAction, type ChatState } from './chat-state.js';

const ok = { status: dchat.Status.OK };

function after(state: ChatState, ...actions: ChatAction[]): ChatState {
  return actions.reduce(reduceChat, state);
}
const ann = { id: 1, name: 'ann' };

function play(...actions: ChatAction[]): ChatState {
  return actions.reduce(reduceChat, initialChatState('127.0.0.1:6000'));
}

const login: ChatAction = {
  kind: 'response',
  request: { login: { userId: 1, password: 'pw' } },
  response: { ...ok, login: { user: ann, friends: [{ id: 3, name: 'cy', online: false }, { id: 2, name: 'ben', online: true }], groups: [{ id: 7, name: 'climbers' }] } },
};

function message(id: number, fromId: number, fromName: string, to: { toId?: number; groupId?: number }, text: string): ChatAction {
  return { kind: 'event', event: { message: { id, fromId, fromName, ...to, text, sentAtMs: 1000 * id } } };
}

function keys(state: ChatState): string[] {
  return state.conversations.map((c) => c.key);
}

describe('chat state', () => {
  test('a login lists the dchat pane, then the friends by id, then the groups', () => {
    const state = play(login);
    assert.deepEqual(state.me, ann);
    assert.deepEqual(keys(state), ['dchat', 'friend:2', 'friend:3', 'group:7']);
    assert.equal(state.conversations[1]?.isOnline, true);
    assert.equal(state.conversations[2]?.isOnline, false);
  });

  test('a refused request changes nothing', () => {
    const before = play(login);
    const after = reduceChat(before, { kind: 'response', request: { delFriend: { friendId: 2 } }, response: { status: dchat.Status.NOT_FOUND, errorText: 'no' } });
    assert.equal(after, before);
  });

  test('a message to a conversation not on screen counts as unread until it is selected', () => {
    let state = play(login, message(10, 2, 'ben', { toId: 1 }, 'hi'), message(11, 2, 'ben', { toId: 1 }, 'there'));
    assert.equal(state.conversations[1]?.unread, 2);
    state = reduceChat(state, { kind: 'select', key: 'friend:2' });
    assert.equal(state.conversations[1]?.unread, 0);
    state = reduceChat(state, message(12, 2, 'ben', { toId: 1 }, 'seen at once'));
    assert.equal(state.conversations[1]?.unread, 0, 'the conversation on screen gains no unread count');
    assert.deepEqual(selectedConversation(state).lines.map((l) => l.text), ['hi', 'there', 'seen at once']);
  });

  test('a message id seen twice (a replay after a reconnect) is shown and counted once', () => {
    const state = play(login, message(10, 2, 'ben', { toId: 1 }, 'hi'), message(10, 2, 'ben', { toId: 1 }, 'hi'));
    assert.equal(state.conversations[1]?.lines.length, 1);
    assert.equal(state.conversations[1]?.unread, 1);
  });

  test('group messages go to the group, and history merges with live messages in id order', () => {
    let state = play(login, message(20, 2, 'ben', { groupId: 7 }, 'live'));
    state = reduceChat(state, {
      kind: 'response',
      request: { history: { groupId: 7, limit: 50 } },
      response: { ...ok, history: { messages: [{ id: 20, fromId: 2, fromName: 'ben', groupId: 7, text: 'live' }, { id: 5, fromId: 3, fromName: 'cy', groupId: 7, text: 'old' }] } },
    });
    const group = state.conversations.find((c) => c.key === 'group:7');
    assert.deepEqual(group?.lines.map((l) => l.text), ['old', 'live']);
    assert.equal(group?.isHistoryLoaded, true);
  });

  test('the user own sent message appears in its conversation without an unread count', () => {
    const state = play(login, { kind: 'response', request: { chat: { toId: 3, text: 'yo' } }, response: { ...ok, sent: { messageId: 30, sentAtMs: 5 } } });
    const cy = state.conversations.find((c) => c.key === 'friend:3');
    assert.deepEqual(cy?.lines, [{ id: 30, fromId: 1, fromName: 'ann', text: 'yo', sentAtMs: 5 }]);
    assert.equal(cy?.unread, 0);
  });

  test('a stranger who writes first gets a conversation marked as not a friend, until added', () => {
    let state = play(login, message(40, 9, 'dee', { toId: 1 }, 'hello?'));
    const dee = state.conversations.find((c) => c.key === 'friend:9');
    assert.equal(dee?.isFriend, false);
    assert.equal(dee?.title, 'dee');
    state = reduceChat(state, { kind: 'response', request: { addFriend: { friendId: 9 } }, response: { ...ok, friend: { friend: { id: 9, name: 'dee', online: true } } } });
    const added = state.conversations.find((c) => c.key === 'friend:9');
    assert.equal(added?.isFriend, true);
    assert.equal(added?.isOnline, true);
    assert.equal(added?.lines.length, 1, 'the messages stay');
  });

  test('presence events switch the online mark; delfriend, delgroup and a deleted group remove conversations', () => {
    let state = play(login, { kind: 'select', key: 'group:7' }, { kind: 'event', event: { presence: { userId: 3, online: true } } });
    assert.equal(state.conversations.find((c) => c.key === 'friend:3')?.isOnline, true);
    state = reduceChat(state, { kind: 'response', request: { delFriend: { friendId: 2 } }, response: ok });
    assert.deepEqual(keys(state), ['dchat', 'friend:3', 'group:7']);
    state = reduceChat(state, { kind: 'event', event: { groupChanged: { groupId: 7, deleted: true } } });
    assert.deepEqual(keys(state), ['dchat', 'friend:3']);
    assert.equal(state.selectedKey, 'dchat', 'the selection falls back to the dchat pane');
  });

  test('someone adding or deleting you as a friend adds or removes their conversation', () => {
    let state = play(login, { kind: 'event', event: { friendChanged: { friend: { id: 9, name: 'ida', online: true }, added: true } } });
    assert.deepEqual(keys(state), ['dchat', 'friend:2', 'friend:3', 'friend:9', 'group:7']);
    assert.equal(state.conversations.find((c) => c.key === 'friend:9')?.isOnline, true);
    state = reduceChat(state, { kind: 'event', event: { friendChanged: { friend: { id: 2 }, added: false } } });
    assert.deepEqual(keys(state), ['dchat', 'friend:3', 'friend:9', 'group:7']);
  });

  test('a conversation with messages stays readable after the friendship ends, listed apart from the friends', () => {
    let state = play(login, message(10, 2, 'ben', { toId: 1 }, 'see you'));
    state = reduceChat(state, { kind: 'event', event: { friendChanged: { friend: { id: 2 }, added: false } } });
    assert.deepEqual(keys(state), ['dchat', 'friend:3', 'friend:2', 'group:7'], 'after the friends, before the groups');
    const ben = state.conversations.find((c) => c.key === 'friend:2');
    assert.deepEqual({ isFriend: ben?.isFriend, isOnline: ben?.isOnline, texts: ben?.lines.map((l) => l.text) }, { isFriend: false, isOnline: false, texts: ['see you'] });
    state = reduceChat(state, { kind: 'response', request: { delFriend: { friendId: 3 } }, response: ok });
    assert.deepEqual(keys(state), ['dchat', 'friend:2', 'group:7'], 'one without messages goes');
  });

  test('select-next and select-previous wrap around the list', () => {
    let state = play(login, { kind: 'select-previous' });
    assert.equal(state.selectedKey, 'group:7');
    state = reduceChat(state, { kind: 'select-next' });
    assert.equal(state.selectedKey, 'dchat');
  });

  test('logging in again as the same user keeps the messages; another user starts afresh; loginout clears', () => {
    let state = play(login, message(10, 2, 'ben', { toId: 1 }, 'hi'), login);
    assert.equal(state.conversations.find((c) => c.key === 'friend:2')?.lines.length, 1);
    state = reduceChat(state, { kind: 'response', request: { login: { userId: 5 } }, response: { ...ok, login: { user: { id: 5, name: 'eve' }, friends: [{ id: 2, name: 'ben' }] } } });
    assert.equal(state.conversations.find((c) => c.key === 'friend:2')?.lines.length, 0);
    state = reduceChat(state, { kind: 'response', request: { logout: {} }, response: ok });
    assert.equal(state.me, undefined);
    assert.deepEqual(keys(state), ['dchat']);
  });

  test('command output goes to the dchat pane and the status line names how much more there is', () => {
    const state = play({ kind: 'output', lines: ['friends:', '  2 ben (online)'], isError: false });
    assert.equal(state.statusLine.text, 'friends: (+1 more lines in the dchat pane)');
    assert.deepEqual(state.conversations[0]?.lines.map((l) => l.text).slice(-2), ['friends:', '  2 ben (online)']);
  });

  test('the first screen greets and names the first two commands', () => {
    const text = initialChatState('127.0.0.1:6000').conversations[0]?.lines.map((l) => l.text).join('\n') ?? '';
    assert.match(text, /Welcome to dchat/);
    assert.match(text, /\/register NAME PASSWORD .* \/login ID PASSWORD/);
  });

  test('an ended friendship keeps a conversation with messages readable, listed after the friends', () => {
    let state = play(login, message(10, 2, 'ben', { toId: 1 }, 'hi'), { kind: 'select', key: 'friend:2' });
    state = reduceChat(state, { kind: 'event', event: { friendChanged: { friend: { id: 2, name: 'ben' }, added: false } } });
    assert.deepEqual(keys(state), ['dchat', 'friend:3', 'friend:2', 'group:7']);
    const ben = state.conversations.find((c) => c.key === 'friend:2');
    assert.equal(ben?.isFriend, false);
    assert.equal(ben?.lines.length, 1);
    assert.equal(state.selectedKey, 'friend:2', 'still on screen');
  });

  test('history says whether older messages exist; a passing status clears unless replaced', () => {
    let state = play(login, { kind: 'response', request: { history: { peerId: 2, limit: 1 } }, response: { ...ok, history: { messages: [{ id: 5, fromId: 2, text: 'x' }], hasMore: true } } });
    assert.equal(state.conversations.find((c) => c.key === 'friend:2')?.hasOlder, true);
    state = reduceChat(state, { kind: 'response', request: { history: { peerId: 2, beforeId: 5, limit: 1 } }, response: { ...ok, history: { messages: [{ id: 4, fromId: 2, text: 'w' }], hasMore: false } } });
    assert.deepEqual(state.conversations.find((c) => c.key === 'friend:2')?.lines.map((l) => l.id), [4, 5]);
    assert.equal(state.conversations.find((c) => c.key === 'friend:2')?.hasOlder, false);
    state = after(state, { kind: 'status', text: 'sent', isError: false }, { kind: 'status-expired', text: 'sent' });
    assert.equal(state.statusLine.text, '');
    state = after(state, { kind: 'status', text: 'sent', isError: false }, { kind: 'status', text: 'error: x', isError: true }, { kind: 'status-expired', text: 'sent' });
    assert.equal(state.statusLine.text, 'error: x');
  });

  test('control characters from the node reach the state as visible escapes, in names, texts and titles', () => {
    const evil = '\u001b[2K\rfake\u001b]52;c;aGk=\u0007\u009b31m';
    const state = play(
      { ...login, response: { ...ok, login: { user: { id: 1, name: 'ann\u001b[5m' }, friends: [{ id: 2, name: 'ben\u202e', online: true }], groups: [{ id: 7, name: 'g\u0000' }] } } },
      message(9, 4, 'eve\u001b]0;t\u0007', { toId: 1 }, `${evil}\nsecond line\tok`),
    );
    const strings: string[] = [];
    JSON.stringify(state, (_key, value: unknown) => (typeof value === 'string' ? (strings.push(value), value) : value));
    for (const text of strings) assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/, `no raw control character in ${JSON.stringify(text)}`);
    assert.equal(state.me?.name, 'ann\\x1b[5m');
    assert.deepEqual(state.conversations.map((c) => c.title), ['dchat', 'ben\\u202e', 'eve\\x1b]0;t\\x07', 'g\\x00']);
    const line = state.conversations.find((c) => c.key === 'friend:4')?.lines[0];
    assert.equal(line?.text, '\\x1b[2K\\x0dfake\\x1b]52;c;aGk=\\x07\\x9b31m\nsecond line\tok', 'newline and tab stay');
  });

  test('messages replayed before the login answer is filed stay on screen after it, from a friend or a stranger', () => {
    const state = play(message(5, 2, 'ben', { toId: 1 }, 'while you were away'), message(6, 8, 'hal', { toId: 1 }, 'a stranger writes'), login);
    assert.deepEqual(state.conversations.find((c) => c.key === 'friend:2')?.lines.map((l) => l.text), ['while you were away']);
    assert.deepEqual(state.conversations.find((c) => c.key === 'friend:8')?.lines.map((l) => l.text), ['a stranger writes']);
    assert.equal(state.conversations.find((c) => c.key === 'friend:8')?.isFriend, false);
  });

  test('a message sent from the dchat pane shows in the conversation with its recipient', () => {
    const sentTo = (toId: number): ChatAction => ({ kind: 'response', request: { chat: { toId, text: 'hi' } }, response: { ...ok, sent: { messageId: 40, sentAtMs: 1 } } });
    let state = play(login, sentTo(2));
    assert.deepEqual(state.conversations.find((c) => c.key === 'friend:2')?.lines.map((l) => [l.fromName, l.text]), [['ann', 'hi']]);
    state = after(state, sentTo(9));
    const stranger = state.conversations.find((c) => c.key === 'friend:9');
    assert.equal(stranger?.title, 'user 9', 'named by id, not by the sender');
    assert.equal(stranger?.lines[0]?.text, 'hi');
  });
  test('joins and leaves show in words in the group, between the messages they came between', () => {
    const member = (userId: number, name: string, joined: boolean): ChatAction => ({ kind: 'event', event: { groupMemberChanged: { group: { id: 7, name: 'climbers' }, user: { id: userId, name }, joined } } });
    const state = play(login, message(10, 2, 'ben', { groupId: 7 }, 'first'), member(4, 'carol', true), message(12, 4, 'carol', { groupId: 7 }, 'hello all'), member(4, 'carol', false));
    const texts = (s: ChatState): string[] => s.conversations.find((c) => c.key === 'group:7')?.lines.map((l) => l.text) ?? [];
    assert.deepEqual(texts(state), ['first', '--> carol joined climbers', 'hello all', '<-- carol left climbers']);
    assert.equal(state.conversations.find((c) => c.key === 'group:7')?.unread, 2, 'a notice is not an unread message');
    // The first page of history brings what was said before the join, and a message (11) that
    // came before the join but was not pushed to this client: the join stays after it.
    const loaded = reduceChat(state, {
      kind: 'response',
      request: { history: { groupId: 7, limit: 50 } },
      response: { ...ok, history: { messages: [12, 11, 10, 9].map((id) => ({ id, fromId: 2, fromName: 'ben', groupId: 7, text: id === 12 ? 'hello all' : id === 10 ? 'first' : `m${id}`, sentAtMs: id })) } },
    });
    assert.deepEqual(texts(loaded), ['m9', 'first', 'm11', '--> carol joined climbers', 'hello all', '<-- carol left climbers']);
    const elsewhere = after(state, { kind: 'event', event: { groupMemberChanged: { group: { id: 8, name: 'other' }, user: { id: 5, name: 'dan' }, joined: true } } });
    assert.deepEqual(keys(elsewhere), keys(state), 'a group the client does not list is not added');
  });
});
