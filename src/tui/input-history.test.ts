import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InputHistory } from './input-history.js';

describe('input history', () => {
  test('Up walks back from the newest line and stops at the oldest; Down returns to the draft', () => {
    const history = new InputHistory();
    history.add('showfriendlist');
    history.add('help');
    assert.equal(history.previous('half typed'), 'help');
    assert.equal(history.previous('help'), 'showfriendlist');
    assert.equal(history.previous('showfriendlist'), 'showfriendlist');
    assert.equal(history.next(), 'help');
    assert.equal(history.next(), 'half typed');
    assert.equal(history.next(), 'half typed');
  });

  test('blank lines and repeats of the last line are not remembered, and the oldest go past the limit', () => {
    const history = new InputHistory(2);
    for (const line of ['a', 'a', ' ', 'b', 'c']) history.add(line);
    assert.equal(history.previous(''), 'c');
    assert.equal(history.previous('c'), 'b');
    assert.equal(history.previous('b'), 'b');
  });

  test('Up with no history keeps what is typed', () => {
    assert.equal(new InputHistory().previous('draft'), 'draft');
  });

  test('a line with a password is never remembered, in either form or as a typo', () => {
    const history = new InputHistory();
    history.add('help');
    for (const line of ['login:1:secret', '/login 1 secret', 'register:ann:secret', 'loign:1:secret']) history.add(line);
    assert.equal(history.previous(''), 'help');
    assert.equal(history.previous('help'), 'help');
  });
});
