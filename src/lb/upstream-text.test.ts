import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultUpstreamOptions, placeholderUpstreamText, upstreamText } from './upstream-text.js';

const nodes = [
  { nodeId: 'b', clientAddress: '127.0.0.1:6002', weight: 1 },
  { nodeId: 'a', clientAddress: '127.0.0.1:6000', weight: 2 },
];

test('upstream text lists every node sorted by address with the seed\'s max_fails and fail_timeout', () => {
  const text = upstreamText(nodes, defaultUpstreamOptions);
  const body = text.split('\n').filter((l) => !l.startsWith('#'));
  assert.deepEqual(body, [
    'upstream dchat {',
    '    server 127.0.0.1:6000 weight=2 max_fails=3 fail_timeout=30s;',
    '    server 127.0.0.1:6002 weight=1 max_fails=3 fail_timeout=30s;',
    '}',
    '',
  ]);
});

test('upstream text is the same for the same nodes in any order, so lb reloads only on a real change', () => {
  assert.equal(upstreamText(nodes, defaultUpstreamOptions), upstreamText([...nodes].reverse(), defaultUpstreamOptions));
});

test('upstream text in hash mode starts with hash $remote_addr consistent', () => {
  const text = upstreamText(nodes, { ...defaultUpstreamOptions, mode: 'hash', name: 'chat' });
  assert.match(text, /upstream chat \{\n    hash \$remote_addr consistent;\n    server 127\.0\.0\.1:6000 weight=2/);
});

test('placeholder upstream holds one down server, because nginx refuses an upstream without servers', () => {
  const text = placeholderUpstreamText(defaultUpstreamOptions);
  assert.match(text, /upstream dchat \{\n    server 127\.0\.0\.1:1 down;\n\}/);
});
