import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deleteBefore,
  deleteToEnd,
  deleteToStart,
  deleteWordBefore,
  insertText,
  lineOf,
  moveEnd,
  moveHome,
  moveLeft,
  moveRight,
  moveWordLeft,
  moveWordRight,
  passwordStart,
} from './line-editor.js';

test('the cursor moves within the line and text goes in where it stands', () => {
  let line = lineOf('helo');
  line = moveLeft(moveLeft(line));
  line = insertText(line, 'l');
  assert.deepEqual(line, { text: 'hello', cursor: 3 });
  assert.deepEqual(moveHome(line), { text: 'hello', cursor: 0 });
  assert.deepEqual(moveEnd(moveHome(line)), { text: 'hello', cursor: 5 });
  assert.deepEqual(moveRight(moveEnd(line)).cursor, 5, 'Right stops at the end');
  assert.deepEqual(moveLeft(moveHome(line)).cursor, 0, 'Left stops at the start');
});

test('an emoji made of several code points is one step and one Backspace', () => {
  const family = '👨‍👩‍👧';
  const line = lineOf(`a${family}b`);
  assert.equal(moveLeft(moveLeft(line)).cursor, 1);
  assert.deepEqual(deleteBefore(moveLeft(line)), { text: 'ab', cursor: 1 });
});

test('words: Alt-B/F move by words, Ctrl-W deletes the word before the cursor, Ctrl-U and Ctrl-K the rest', () => {
  const line = lineOf('see you  at noon');
  assert.equal(moveWordLeft(line).cursor, 12);
  assert.equal(moveWordLeft(moveWordLeft(line)).cursor, 9);
  assert.equal(moveWordRight(moveHome(line)).cursor, 3);
  assert.deepEqual(deleteWordBefore(line), { text: 'see you  at ', cursor: 12 });
  const middle = moveWordLeft(line);
  assert.deepEqual(deleteToStart(middle), { text: 'noon', cursor: 0 });
  assert.deepEqual(deleteToEnd(middle), { text: 'see you  at ', cursor: 12 });
});

test('passwordStart finds the password of login and register lines in both forms and in typos', () => {
  assert.equal(passwordStart('login:12:secret'), 'login:12:'.length);
  assert.equal(passwordStart('/login 12 secret'), '/login 12 '.length);
  assert.equal(passwordStart('register:ann:pw'), 'register:ann:'.length);
  assert.equal(passwordStart('/register ann pw'), '/register ann '.length);
  assert.equal(passwordStart('loign:1:pw'), 'loign:1:'.length);
  assert.equal(passwordStart('login:12'), undefined, 'no password typed yet');
  assert.equal(passwordStart('chat:2:login:1:x'), undefined);
  assert.equal(passwordStart('see you at login time'), undefined);
});
