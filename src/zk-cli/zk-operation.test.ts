import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseZkWords, splitWords } from './zk-operation.js';

const words = (line: string): string[] => {
  const split = splitWords(line);
  assert.ok(split.ok, `split ${line}`);
  return split.value;
};

test('splitWords keeps quoted data with blanks and escapes as one word', () => {
  assert.deepEqual(words(`create /a "two words"`), ['create', '/a', 'two words']);
  assert.deepEqual(words(`set /a 'it''s' x\\ y ""`), ['set', '/a', 'its', 'x y', '']);
  assert.equal(splitWords('get "/a').ok, false);
});

test('parseZkWords reads flags anywhere before --, combined or apart', () => {
  assert.deepEqual(parseZkWords(words('create -es /a/b- data')), {
    ok: true,
    value: { kind: 'create', path: '/a/b-', data: 'data', isEphemeral: true, isSequential: true, withParents: false },
  });
  assert.deepEqual(parseZkWords(words('create -p -- /a -1')), {
    ok: true,
    value: { kind: 'create', path: '/a', data: '-1', isEphemeral: false, isSequential: false, withParents: true },
  });
  assert.deepEqual(parseZkWords(words('rmr /a')), { ok: true, value: { kind: 'delete', path: '/a', isRecursive: true, version: undefined } });
  assert.deepEqual(parseZkWords(words('ls')), { ok: true, value: { kind: 'ls', path: '/', isRecursive: false, withStat: false } });
  assert.deepEqual(parseZkWords(words('ls -Rs /a')), { ok: true, value: { kind: 'ls', path: '/a', isRecursive: true, withStat: true } });
  assert.deepEqual(parseZkWords(words('deleteall /a')), { ok: true, value: { kind: 'delete', path: '/a', isRecursive: true, version: undefined } });
});

test('parseZkWords rejects unknown commands, flags, bad versions and extra words with a usage error', () => {
  for (const line of ['frob /a', 'ls -r /a', 'set /a b x', 'get /a /b', 'set /a']) {
    const parsed = parseZkWords(words(line));
    assert.equal(parsed.ok, false, line);
    if (!parsed.ok) assert.equal(parsed.error.code, 'DCHAT_ZKCLI_USAGE');
  }
});
