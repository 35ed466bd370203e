import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { interpretInput } from './input-intent.js';

const ben = { kind: 'friend', id: 2 } as const;
const group = { kind: 'group', id: 7 } as const;
const pane = { kind: 'dchat', id: 0 } as const;

describe('input intent', () => {
  test('a line starting with a command name is that command, whatever is selected', () => {
    assert.deepEqual(interpretInput('help', ben), { kind: 'command', command: { kind: 'help' } });
    assert.deepEqual(interpretInput('chat:3:at 12:30', group), { kind: 'command', command: { kind: 'chat', friendId: 3, text: 'at 12:30' } });
    assert.deepEqual(interpretInput('Login:1:pw', pane), { kind: 'command', command: { kind: 'login', userId: 1, password: 'pw' } });
  });

  test('a malformed command is an error with its usage', () => {
    const intent = interpretInput('addfriend:abc', ben);
    assert.equal(intent.kind, 'error');
    assert.match(intent.kind === 'error' ? intent.error : '', /friend id must be a positive number, got "abc"; usage: addfriend:friendid/);
  });

  test('any other line is a message to the selected friend or group', () => {
    assert.deepEqual(interpretInput('help me out', ben), { kind: 'command', command: { kind: 'chat', friendId: 2, text: 'help me out' } });
    assert.deepEqual(interpretInput('lunch: noon', group), { kind: 'command', command: { kind: 'groupchat', groupId: 7, text: 'lunch: noon' } });
  });

  test('a message typed in the dchat pane is refused with the way to chat', () => {
    const intent = interpretInput('hello', pane);
    assert.equal(intent.kind, 'error');
    assert.match(intent.kind === 'error' ? intent.error : '', /"hello" is not a command .*pick a friend or group with Tab/);
  });

  test('an empty line does nothing', () => {
    assert.deepEqual(interpretInput('   ', ben), { kind: 'nothing' });
  });

  test('the slash form runs the same commands, its last argument keeping spaces and colons', () => {
    assert.deepEqual(interpretInput('/chat 2 hi there at 12:30', group), { kind: 'command', command: { kind: 'chat', friendId: 2, text: 'hi there at 12:30' } });
    assert.deepEqual(interpretInput('/login 1 pass word', ben), { kind: 'command', command: { kind: 'login', userId: 1, password: 'pass word' } });
    assert.deepEqual(interpretInput('/help', ben), { kind: 'command', command: { kind: 'help' } });
    assert.deepEqual(interpretInput('/logout', ben), { kind: 'command', command: { kind: 'loginout' } });
    assert.deepEqual(interpretInput('/addfriend 5', pane), { kind: 'command', command: { kind: 'addfriend', friendId: 5 } });
    assert.deepEqual(interpretInput('/quit', ben), { kind: 'quit' });
    assert.deepEqual(interpretInput('/say /quit is how to leave', ben), { kind: 'command', command: { kind: 'chat', friendId: 2, text: '/quit is how to leave' } });
  });

  test('a line starting with / is never sent: an unknown one is refused with the command meant', () => {
    for (const [line, meant] of [['/quite', '/quit'], ['/lgoin 1 secret', '/login'], ['/frobnicate', undefined]] as const) {
      const intent = interpretInput(line, ben);
      assert.equal(intent.kind, 'error', line);
      const error = intent.kind === 'error' ? intent.error : '';
      if (meant) assert.match(error, new RegExp(`did you mean ${meant}\\?`), line);
      assert.match(error, /nothing was sent/, line);
      assert.doesNotMatch(error, /secret/, 'the arguments are not repeated');
    }
    const usage = interpretInput('/chat two hi', ben);
    assert.match(usage.kind === 'error' ? usage.error : '', /usage: \/chat friendid message/);
  });

  test('a typo of a command followed by a colon, or alone, is refused and not sent', () => {
    const login = interpretInput('loign:1:password', ben);
    assert.equal(login.kind, 'error');
    assert.match(login.kind === 'error' ? login.error : '', /"loign" is not a command: did you mean login:… or \/login …\? Nothing was sent/);
    assert.doesNotMatch(login.kind === 'error' ? login.error : '', /password/);
    const help = interpretInput('helpp', group);
    assert.match(help.kind === 'error' ? help.error : '', /did you mean help or \/help\? Nothing was sent; to send it as a message: \/say helpp/);
    assert.equal(interpretInput('frobnicate:1', ben).kind, 'command', 'far from every command: a message');
    assert.equal(interpretInput('helo there', ben).kind, 'command', 'a typo followed by more words reads as a message');
  });
});
