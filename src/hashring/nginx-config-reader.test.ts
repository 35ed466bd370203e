import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readUpstreams } from './nginx-config-reader.js';

const config = `
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
events {}
stream {
    upstream chat {   # the chat nodes
        hash $remote_addr consistent;
        server 127.0.0.1:6000 weight=2 max_fails=3 fail_timeout=30s;
        server "127.0.0.1:6002";
        server 127.0.0.1:6004 down;
    }
    upstream other { server 10.0.0.1:7000 backup; }
    server { listen 8000; proxy_pass chat; }
}
`;

test('readUpstreams finds every upstream with its hash line, servers, weights and flags', () => {
  const result = readUpstreams(config);
  assert.ok(result.ok);
  assert.deepEqual(result.value, [
    {
      name: 'chat',
      hashKey: '$remote_addr',
      isConsistent: true,
      servers: [
        { address: '127.0.0.1:6000', weight: 2, isDown: false, isBackup: false },
        { address: '127.0.0.1:6002', weight: 1, isDown: false, isBackup: false },
        { address: '127.0.0.1:6004', weight: 1, isDown: true, isBackup: false },
      ],
    },
    { name: 'other', hashKey: undefined, isConsistent: false, servers: [{ address: '10.0.0.1:7000', weight: 1, isDown: false, isBackup: true }] },
  ]);
});

test('readUpstreams rejects a bad weight and an unclosed block naming the line', () => {
  const weight = readUpstreams('upstream u {\n server 10.0.0.1:1 weight=0;\n}', 'x.conf');
  assert.equal(weight.ok ? '' : weight.error.code, 'DCHAT_RING_BAD_NGINX_CONFIG');
  assert.match(weight.ok ? '' : weight.error.message, /x\.conf:2: "weight=0"/);
  const unclosed = readUpstreams('upstream u { server 10.0.0.1:1;', 'x.conf');
  assert.match(unclosed.ok ? '' : unclosed.error.message, /upstream u has no closing/);
});
