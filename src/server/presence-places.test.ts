import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PresenceEntry } from './cluster-presence.js';
import { PresencePlaces } from './presence-places.js';

/** Presence as ZooKeeper would tell it: a test calls `tell` where a watch would fire. */
class Watches {
  readonly active = new Map<number, (entry: PresenceEntry | undefined) => void>();
  readonly stopped: number[] = [];
  watch = (userId: number, onChange: (entry: PresenceEntry | undefined) => void): (() => void) => {
    this.active.set(userId, onChange);
    return () => {
      this.active.delete(userId);
      this.stopped.push(userId);
    };
  };
  tell(userId: number, entry: PresenceEntry | undefined): void {
    this.active.get(userId)?.(entry);
  }
}

const nodeA: PresenceEntry = { nodeId: 'a', rpcAddress: '127.0.0.1:7001' };
const nodeB: PresenceEntry = { nodeId: 'b', rpcAddress: '127.0.0.1:7002' };
const self: PresenceEntry = { nodeId: 'self', rpcAddress: '127.0.0.1:7000' };

describe('PresencePlaces', () => {
  test('a remembered place moves when the watch tells of a login on another node', () => {
    const watches = new Watches();
    const places = new PresencePlaces('self', watches.watch);
    places.remember(7, nodeA);
    assert.ok(watches.active.has(7), 'remembering a place watches the presence');
    watches.tell(7, nodeB);
    assert.deepEqual(places.get(7), nodeB);
  });

  test('a place is forgotten, watch and all, when the presence goes or names this node', () => {
    const watches = new Watches();
    const places = new PresencePlaces('self', watches.watch);
    places.remember(7, nodeA);
    places.remember(8, nodeA);
    watches.tell(7, undefined);
    watches.tell(8, self);
    assert.equal(places.has(7), false);
    assert.equal(places.has(8), false);
    assert.deepEqual(watches.stopped.sort(), [7, 8]);
  });

  test('remembering a known user again keeps one watch', () => {
    const watches = new Watches();
    let armed = 0;
    const places = new PresencePlaces('self', (id, onChange) => {
      armed += 1;
      return watches.watch(id, onChange);
    });
    places.remember(7, nodeA);
    places.remember(7, nodeB);
    assert.equal(armed, 1);
    assert.deepEqual(places.get(7), nodeB);
  });

  test('forgetNode forgets only the users placed on that node', () => {
    const watches = new Watches();
    const places = new PresencePlaces('self', watches.watch);
    places.remember(1, nodeA);
    places.remember(2, nodeB);
    places.remember(3, nodeA);
    places.forgetNode(nodeA.rpcAddress);
    assert.deepEqual([1, 2, 3].filter((id) => places.has(id)), [2]);
    assert.deepEqual(watches.stopped.sort(), [1, 3]);
  });

  test('a watch that fires after its place was forgotten changes nothing', () => {
    const watches = new Watches();
    const armed: ((entry: PresenceEntry | undefined) => void)[] = [];
    const places = new PresencePlaces('self', (id, onChange) => {
      armed.push(onChange);
      return watches.watch(id, onChange);
    });
    places.remember(7, nodeA);
    places.forget(7);
    places.remember(7, nodeB);
    armed[0]?.(nodeA);
    assert.deepEqual(places.get(7), nodeB, 'the newer place stays');
  });
});
