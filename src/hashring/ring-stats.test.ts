import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HashRing } from './hash-ring.js';
import { renderUpstream } from './nginx-upstream.js';
import { maxOverMean, ringStats, sampleClientAddress } from './ring-stats.js';

test('ring stats arc shares add up to the whole circle and keys to the sample', () => {
  const ring = new HashRing();
  ring.add('10.0.0.1:6000', 160);
  ring.add('10.0.0.2:6000', 320);
  const stats = ringStats(ring, 5000);
  const arcSum = stats.servers.reduce((sum, s) => sum + s.arcShare, 0);
  assert.ok(Math.abs(arcSum - 1) < 1e-9, String(arcSum));
  assert.equal(stats.servers.reduce((sum, s) => sum + s.keys, 0), 5000);
  assert.ok((stats.servers[1]?.arcShare ?? 0) > (stats.servers[0]?.arcShare ?? 0), 'twice the points own more of the circle');
});

test('sample client addresses are distinct IPv4 texts', () => {
  const seen = new Set(Array.from({ length: 10000 }, (_, i) => sampleClientAddress(i)));
  assert.equal(seen.size, 10000);
  assert.match(sampleClientAddress(7), /^\d+\.\d+\.\d+\.\d+$/);
});

test('maxOverMean is 1 for equal loads', () => {
  assert.equal(maxOverMean([3, 3, 3]), 1);
  assert.equal(maxOverMean([1, 3]), 1.5);
});

test('nginx upstream gives weight = points / 160 and reports servers that are not a multiple', () => {
  const block = renderUpstream([
    { name: '10.0.0.1:6000', points: 320 },
    { name: '10.0.0.2:6000', points: 150 },
  ]);
  assert.match(block.text, /hash \$remote_addr consistent;\n    server 10\.0\.0\.1:6000 weight=2;\n/);
  assert.match(block.text, /# 10\.0\.0\.2:6000 has 150 points on the ring; nginx gives weight=1 160/);
  assert.deepEqual(block.mismatches, [{ server: '10.0.0.2:6000', points: 150, nginxPoints: 160 }]);
});
