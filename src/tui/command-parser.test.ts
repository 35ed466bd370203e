import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandHelp, parseCommand, parseTypedCommand } from './command-parser.js';

test('command parser reads every seed command as the seed writes it', () => {
  assert.deepEqual(parseCommand('help'), { ok: true, command: { kind: 'help' } });
  assert.deepEqual(parseCommand('chat:2:hello there'), { ok: true, command: { kind: 'chat', friendId: 2, text: 'hello there' } });
  assert.deepEqual(parseCommand('addfriend:7'), { ok: true, command: { kind: 'addfriend', friendId: 7 } });
  assert.deepEqual(parseCommand('delfriend:7'), { ok: true, command: { kind: 'delfriend', friendId: 7 } });
  assert.deepEqual(parseCommand('creategroup:hikers:weekend trips'), { ok: true, command: { kind: 'creategroup', name: 'hikers', desc: 'weekend trips', isInviteOnly: false } });
  assert.deepEqual(parseCommand('createprivategroup:hikers:weekend trips'), { ok: true, command: { kind: 'creategroup', name: 'hikers', desc: 'weekend trips', isInviteOnly: true } });
  assert.deepEqual(parseCommand('invite:7:12'), { ok: true, command: { kind: 'invite', groupId: 7, userId: 12 } });
  assert.deepEqual(parseCommand('addgroup:3'), { ok: true, command: { kind: 'addgroup', groupId: 3 } });
  assert.deepEqual(parseCommand('delgroup:3'), { ok: true, command: { kind: 'delgroup', groupId: 3 } });
  assert.deepEqual(parseCommand('groupchat:3:see you'), { ok: true, command: { kind: 'groupchat', groupId: 3, text: 'see you' } });
  assert.deepEqual(parseCommand('showfriendlist'), { ok: true, command: { kind: 'showfriendlist' } });
  assert.deepEqual(parseCommand('loginout'), { ok: true, command: { kind: 'loginout' } });
  assert.deepEqual(parseCommand('register:ann:pa:ss'), { ok: true, command: { kind: 'register', name: 'ann', password: 'pa:ss' } });
  assert.deepEqual(parseCommand('login:1:secret'), { ok: true, command: { kind: 'login', userId: 1, password: 'secret' } });
});

test('command parser keeps colons inside the last argument of chat, groupchat and creategroup', () => {
  assert.deepEqual(parseCommand('chat:2:meet at 12:30: ok?'), { ok: true, command: { kind: 'chat', friendId: 2, text: 'meet at 12:30: ok?' } });
  assert.deepEqual(parseCommand('creategroup:g:a:b'), { ok: true, command: { kind: 'creategroup', name: 'g', desc: 'a:b', isInviteOnly: false } });
});

test('command parser reads history with and without a count', () => {
  assert.deepEqual(parseCommand('history:4'), { ok: true, command: { kind: 'history', friendId: 4, count: 20 } });
  assert.deepEqual(parseCommand('grouphistory:5:50'), { ok: true, command: { kind: 'grouphistory', groupId: 5, count: 50 } });
});

test('command parser refuses bad input with the usage of the command', () => {
  const cases: [string, RegExp][] = [
    ['chat:abc:hi', /friend id must be a positive number, got "abc"; usage: chat:friendid:message/],
    ['chat:2', /needs an id and a message/],
    ['chat:2:   ', /needs an id and a message/],
    ['addfriend', /takes one friend id/],
    ['addfriend:0', /positive number/],
    ['addgroup:1:2', /takes one group id/],
    ['showfriendlist:now', /takes no arguments/],
    ['login:x:pw', /user id must be a positive number/],
    ['register:', /needs a name and a password/],
    ['creategroup:', /needs a group name/],
    ['history:1:2:3', /an id and an optional count/],
    ['dance:1', /unknown command "dance"; type help/],
    ['', /unknown command ""/],
  ];
  for (const [line, pattern] of cases) {
    const result = parseCommand(line);
    assert.equal(result.ok, false, line);
    if (!result.ok) assert.match(result.error, pattern, line);
  }
});

test('help lists the seed command set plus register, login, history and the door of invite-only groups', () => {
  assert.deepEqual(
    commandHelp.map(([name]) => name),
    ['help', 'register', 'login', 'chat', 'addfriend', 'delfriend', 'creategroup', 'createprivategroup', 'invite', 'addgroup', 'delgroup', 'groupchat', 'showfriendlist', 'history', 'grouphistory', 'loginout'],
  );
});

test('parseTypedCommand suggests the command meant by a near miss of the line client', () => {
  const spaced = parseTypedCommand('chat 3 hi there');
  assert.equal(spaced.ok, false);
  assert.match(spaced.ok ? '' : spaced.error, /did you mean chat:3:hi there or \/chat 3 hi there\?/);
  const login = parseTypedCommand('login 3 secret');
  assert.match(login.ok ? '' : login.error, /did you mean login:3:… or \/login 3 …\?/);
  const typo = parseTypedCommand('showfriendlsit');
  assert.match(typo.ok ? '' : typo.error, /did you mean showfriendlist\?/);
  assert.deepEqual(parseTypedCommand('/chat 3 hi'), { ok: true, command: { kind: 'chat', friendId: 3, text: 'hi' } });
});
