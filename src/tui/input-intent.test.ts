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
});
