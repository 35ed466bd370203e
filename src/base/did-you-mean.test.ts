import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestWord, typoDistance } from './did-you-mean.js';

const commands = ['help', 'login', 'register', 'chat', 'loginout', 'groupchat', 'addfriend'];

test('typoDistance counts a swap of neighbours as one edit', () => {
  assert.equal(typoDistance('loign', 'login'), 1);
  assert.equal(typoDistance('helpp', 'help'), 1);
  assert.equal(typoDistance('chat', 'chat'), 0);
  assert.equal(typoDistance('', 'abc'), 3);
});

test('closestWord finds the command a typo was meant to be', () => {
  assert.equal(closestWord('loign', commands), 'login');
  assert.equal(closestWord('helpp', commands), 'help');
  assert.equal(closestWord('Regsiter', commands), 'register');
  assert.equal(closestWord('adfriend', commands), 'addfriend');
});

test('closestWord leaves short and far words alone', () => {
  assert.equal(closestWord('hi', commands), undefined);
  assert.equal(closestWord('cat', commands), undefined);
  assert.equal(closestWord('dle', ['add', 'del', 'get']), 'del', 'three letters: a swap only');
  assert.equal(closestWord('frobnicate', commands), undefined);
  assert.equal(closestWord('login', commands), undefined, 'an exact word is no typo');
});
