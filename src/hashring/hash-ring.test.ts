import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HashRing } from './hash-ring.js';
import type { PointHasher } from './point-hasher.js';

/** A hasher with chosen points, so ties and wrap-around can be placed exactly. */
function fixedHasher(points: Record<string, number[]>, keys: Record<string, number> = {}): PointHasher {
  return {
    name: 'fixed',
    serverPoints: (name, count) => Uint32Array.from((points[name] ?? []).slice(0, count)),
    keyHash: (key) => keys[key] ?? Number(key),
  };
}

function serverOf(ring: HashRing, keyHash: number): string {
  const result = ring.lookupHash(keyHash);
  assert.ok(result.ok);
  return result.value.server;
}

test('ring sends a hash to the owner of the first point at or above it', () => {
  const ring = new HashRing({ hasher: fixedHasher({ a: [100, 300], b: [200, 400] }) });
  ring.add('a', 2);
  ring.add('b', 2);
  assert.equal(serverOf(ring, 0), 'a');
  assert.equal(serverOf(ring, 100), 'a');
  assert.equal(serverOf(ring, 101), 'b');
  assert.equal(serverOf(ring, 300), 'a');
  assert.equal(serverOf(ring, 399), 'b');
});

test('ring wraps a hash above the largest point to the smallest point', () => {
  const ring = new HashRing({ hasher: fixedHasher({ a: [100], b: [4000000000] }) });
  ring.add('b', 1);
  ring.add('a', 1);
  assert.equal(serverOf(ring, 4000000001), 'a');
  assert.equal(serverOf(ring, 0xffffffff), 'a');
  const hit = ring.lookupHash(0xffffffff);
  assert.ok(hit.ok);
  assert.deepEqual([hit.value.point, hit.value.pointIndex], [100, 0]);
});

test('ring gives a point two servers share to the server added first, and keeps one copy', () => {
  const hasher = fixedHasher({ a: [500, 900], b: [500, 700] });
  const ab = new HashRing({ hasher });
  ab.add('a', 2);
  ab.add('b', 2);
  assert.equal(serverOf(ab, 450), 'a');
  assert.deepEqual([...ab.sortedTable().hashes], [500, 700, 900]);
  assert.equal(ab.ownedPointCount('b'), 1);
  const ba = new HashRing({ hasher });
  ba.add('b', 2);
  ba.add('a', 2);
  assert.equal(serverOf(ba, 450), 'b');
});

test('ring hands a removed server\'s keys to the next points and leaves other keys in place', () => {
  const ring = new HashRing();
  for (let i = 0; i < 5; i++) ring.add(`10.0.0.${i + 1}:6000`, 160);
  const keys = Array.from({ length: 2000 }, (_, i) => `10.9.${i >> 8}.${i & 255}`);
  const before = keys.map((k) => ring.serverFor(k));
  assert.ok(ring.remove('10.0.0.3:6000').ok);
  keys.forEach((key, i) => {
    if (before[i] !== '10.0.0.3:6000') assert.equal(ring.serverFor(key), before[i], key);
    else assert.notEqual(ring.serverFor(key), '10.0.0.3:6000');
  });
});

test('ring rejects a duplicate server, a point count below 1 and an unknown server with codes', () => {
  const ring = new HashRing();
  assert.ok(ring.add('10.0.0.1:6000', 150).ok);
  const duplicate = ring.add('10.0.0.1:6000', 10);
  assert.equal(duplicate.ok ? '' : duplicate.error.code, 'DCHAT_RING_DUPLICATE_SERVER');
  for (const bad of [0, -3, 1.5, NaN]) {
    const result = ring.add('10.0.0.2:6000', bad);
    assert.equal(result.ok ? '' : result.error.code, 'DCHAT_RING_BAD_POINTS', String(bad));
  }
  const unknown = ring.remove('10.0.0.9:6000');
  assert.equal(unknown.ok ? '' : unknown.error.code, 'DCHAT_RING_UNKNOWN_SERVER');
  assert.match(unknown.ok ? '' : unknown.error.message, /10\.0\.0\.9:6000 is not on the ring \(servers are 10\.0\.0\.1:6000\)/);
});

test('ring lookup on an empty ring returns DCHAT_RING_EMPTY', () => {
  const result = new HashRing().lookup('10.0.0.1');
  assert.equal(result.ok ? '' : result.error.code, 'DCHAT_RING_EMPTY');
  assert.equal(new HashRing().serverFor('10.0.0.1'), undefined);
});

test('ring reports the points of each server and its servers in the order added', () => {
  const ring = new HashRing();
  ring.add('10.0.0.2:6000', 150);
  ring.add('10.0.0.1:6000', 320);
  assert.deepEqual(ring.servers(), [
    { name: '10.0.0.2:6000', points: 150 },
    { name: '10.0.0.1:6000', points: 320 },
  ]);
  assert.equal(ring.pointsOf('10.0.0.1:6000')?.length, 320);
  assert.equal(ring.totalPoints(), 470);
  assert.equal(ring.sortedTable().hashes.length, 470);
});

test('ring lookup equals a linear search for the first point at or above the hash, for any ring size', () => {
  const linear = (hashes: Uint32Array, keyHash: number): number => {
    const index = hashes.findIndex((h) => h >= keyHash);
    return index < 0 ? 0 : index;
  };
  for (const servers of [1, 2, 7, 40]) {
    const ring = new HashRing();
    for (let i = 0; i < servers; i++) ring.add(`10.1.0.${i}:7000`, 1 + ((i * 37) % 400));
    const { hashes } = ring.sortedTable();
    const probes = [0, 0xffffffff, ...hashes, ...Array.from(hashes, (h) => h + 1), ...Array.from(hashes, (h) => h - 1)];
    for (let i = 0; i < 2000; i++) probes.push(Math.imul(i + 1, 0x9e3779b1) >>> 0);
    for (const probe of probes.filter((p) => p >= 0 && p <= 0xffffffff)) {
      assert.equal(ring.findPoint(probe), linear(hashes, probe), `${servers} servers, hash ${probe}`);
    }
  }
});

test('ring lookup is right when every point falls in one bucket', () => {
  const ring = new HashRing({ hasher: fixedHasher({ a: [10, 30, 50], b: [20, 40] }) });
  ring.add('a', 3);
  ring.add('b', 2);
  assert.deepEqual([5, 10, 11, 25, 45, 50, 51, 0xffffffff].map((h) => serverOf(ring, h)), ['a', 'a', 'b', 'a', 'a', 'a', 'a', 'a']);
  assert.deepEqual([15, 35].map((h) => serverOf(ring, h)), ['b', 'b']);
});
