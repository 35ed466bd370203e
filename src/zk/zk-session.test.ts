import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { isDchatError } from '../base/dchat-error.js';
import { freeLoopbackPort } from '../up/free-ports.js';
import { startFaultyRelay } from '../../test/support/faulty-relay.js';
import { startLoopbackRelay } from '../../test/support/loopback-relay.js';
import { waitFor } from '../../test/support/wait.js';
import { startZkRequestCounter } from '../../test/support/zk-request-counter.js';
import { expireSession, startZooKeeper, startZooKeeperEnsemble, type ZkServerHandle } from '../../test/support/zookeeper.js';
import { ZkSession, type ZkSessionEvent } from './zk-session.js';

/**
 * Values a callback received, and a way to await the next one that matches (no polling, no
 * sleeps). Each match is consumed: the following next() looks only at later values.
 */
class Observed<T> {
  readonly values: T[] = [];
  private consumed = 0;
  private readonly pending = new Set<() => void>();
  readonly push = (value: T): void => {
    this.values.push(value);
    for (const check of [...this.pending]) check();
  };
  next(matches: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        for (; this.consumed < this.values.length; this.consumed++) {
          const value = this.values[this.consumed] as T;
          if (matches(value)) {
            this.consumed++;
            clearTimeout(timer);
            this.pending.delete(check);
            resolve(value);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        this.pending.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; saw ${JSON.stringify(this.values)}`));
      }, timeoutMs);
      this.pending.add(check);
      check();
    });
  }
}

const sameList = (expected: string[]) => (children: string[]) => JSON.stringify(children) === JSON.stringify(expected);

describe('ZkSession on one real ZooKeeper server', () => {
  let zk: ZkServerHandle;
  const sessions: ZkSession[] = [];
  const open = async (connectString = zk.connectString): Promise<ZkSession> => {
    const session = await ZkSession.connect({ connectString, sessionTimeoutMs: 8_000 });
    sessions.push(session);
    return session;
  };

  before(async () => {
    zk = await startZooKeeper();
  });
  after(async () => {
    for (const s of sessions) await s.close();
    await zk?.stop();
  });

  test('create, getData, setData, getChildren and delete work and report ZooKeeper failures as ZkError codes', async () => {
    const s = await open();
    assert.equal(await s.create('/crud/a', Buffer.from('one'), { parents: true }), '/crud/a');
    const read = await s.getData('/crud/a');
    assert.equal(read?.data.toString(), 'one');
    assert.equal(read?.stat.version, 0);
    assert.equal(read?.stat.ephemeralOwner, '0');
    const stat = await s.setData('/crud/a', new TextEncoder().encode('two'), 0);
    assert.equal(stat.version, 1);
    assert.equal(stat.dataLength, 3);
    await assert.rejects(s.setData('/crud/a', Buffer.from('x'), 0), (e) => isDchatError(e, 'DCHAT_ZK_BAD_VERSION'));
    await assert.rejects(s.create('/crud/a'), (e) => isDchatError(e, 'DCHAT_ZK_NODE_EXISTS'));
    const sequential = await s.create('/crud/seq-', undefined, { mode: 'persistent_sequential' });
    assert.match(sequential, /^\/crud\/seq-\d{10}$/);
    assert.deepEqual(await s.getChildren('/crud'), ['a', sequential.slice('/crud/'.length)]);
    await assert.rejects(s.getChildren('/missing'), (e) => isDchatError(e, 'DCHAT_ZK_NO_NODE'));
    assert.equal(await s.getData('/missing'), undefined);
    await assert.rejects(s.delete('/crud'), (e) => isDchatError(e, 'DCHAT_ZK_NOT_EMPTY') && /-r/.test(e.message));
    await assert.rejects(s.getData('crud/'), (e) => isDchatError(e, 'DCHAT_ZK_BAD_PATH'));
    await s.delete('/crud', { recursive: true });
    assert.equal(await s.exists('/crud'), undefined);
  });

  test('an ephemeral znode disappears when its session closes', async () => {
    const owner = await ZkSession.connect({ connectString: zk.connectString });
    const observer = await open();
    await owner.create('/eph-close/node', Buffer.from('x'), { mode: 'ephemeral', parents: true });
    assert.equal((await observer.exists('/eph-close/node'))?.ephemeralOwner, owner.sessionId());
    await owner.close();
    assert.equal(await observer.exists('/eph-close/node'), undefined);
  });

  test('registerEphemeral puts the znode back in a new session after a forced expiry', async () => {
    const owner = await open();
    const observer = await open();
    const events = new Observed<ZkSessionEvent>();
    owner.on('state', events.push);
    await owner.registerEphemeral('/UserServiceRpc/127.0.0.1:7001', Buffer.from('127.0.0.1:7001'));
    const oldSession = owner.sessionId();
    await expireSession(zk.connectString, oldSession, owner.sessionPassword());
    await events.next((e) => e === 'expired', "the 'expired' event");
    await events.next((e) => e === 'new-session', "the 'new-session' event after 'expired'");
    assert.notEqual(owner.sessionId(), oldSession);
    const back = await observer.getData('/UserServiceRpc/127.0.0.1:7001');
    assert.equal(back?.data.toString(), '127.0.0.1:7001');
    assert.equal(back?.stat.ephemeralOwner, owner.sessionId());
    await owner.updateEphemeral('/UserServiceRpc/127.0.0.1:7001', Buffer.from('load=3'));
    assert.equal((await observer.getData('/UserServiceRpc/127.0.0.1:7001'))?.data.toString(), 'load=3');
    await owner.unregisterEphemeral('/UserServiceRpc/127.0.0.1:7001');
    assert.equal(await observer.exists('/UserServiceRpc/127.0.0.1:7001'), undefined);
  });

  test('after an expiry, a znode another session created meanwhile is kept, and its former owner is told', async () => {
    const relay = await startFaultyRelay(zk.ports[0] ?? 0);
    try {
      const owner = await open(`127.0.0.1:${relay.port}`);
      const other = await open();
      const events = new Observed<ZkSessionEvent>();
      owner.on('state', events.push);
      const taken: string[] = [];
      await owner.registerEphemeral('/moved/7', Buffer.from('node-a'), { onTaken: (path) => taken.push(path) });
      await owner.registerEphemeral('/stayed/7', Buffer.from('node-a'), { onTaken: (path) => taken.push(path) });
      const oldSession = owner.sessionId();

      // The owner is cut off; its session expires; meanwhile another session claims /moved/7.
      relay.block();
      await events.next((e) => e === 'disconnected', "the owner's 'disconnected' event");
      await expireSession(zk.connectString, oldSession, owner.sessionPassword());
      assert.equal(await other.exists('/moved/7'), undefined, 'the expiry removed the owner\'s znode');
      await other.registerEphemeral('/moved/7', Buffer.from('node-b'));
      relay.unblock();
      await events.next((e) => e === 'new-session', "the owner's 'new-session' event");

      const moved = await other.getData('/moved/7');
      assert.equal(moved?.data.toString(), 'node-b', 'the newer claim stays');
      assert.equal(moved?.stat.ephemeralOwner, other.sessionId());
      assert.deepEqual(taken, ['/moved/7']);
      assert.equal((await other.getData('/stayed/7'))?.stat.ephemeralOwner, owner.sessionId(), 'what nobody took is put back');
      await owner.unregisterEphemeral('/moved/7');
      assert.equal((await other.getData('/moved/7'))?.data.toString(), 'node-b', "unregistering leaves the other session's znode alone");
    } finally {
      await relay.close();
    }
  });

  test('after an expiry, the ephemerals are put back many at a time, not one request after another', async () => {
    const counter = await startZkRequestCounter(zk.ports[0] ?? 0);
    try {
      const owner = await open(`127.0.0.1:${counter.port}`);
      const observer = await open();
      const events = new Observed<ZkSessionEvent>();
      owner.on('state', events.push);
      const paths = Array.from({ length: 200 }, (_, i) => `/many/${i}`);
      for (const path of paths) await owner.registerEphemeral(path, Buffer.from(path));
      const oldSession = owner.sessionId();
      counter.reset();
      await expireSession(zk.connectString, oldSession, owner.sessionPassword());
      await events.next((e) => e === 'new-session', "the 'new-session' event after the expiry");
      const owners = await Promise.all(paths.map(async (path) => (await observer.exists(path))?.ephemeralOwner));
      assert.deepEqual(new Set(owners), new Set([owner.sessionId()]), 'every ephemeral is back, in the new session');
      assert.ok(counter.answered() >= paths.length, `the relay saw the restore's requests (${counter.answered()} answered)`);
      assert.ok(counter.maxInFlight() >= 8, `requests in flight at once while restoring 200 ephemerals: ${counter.maxInFlight()}`);
    } finally {
      await counter.close();
    }
  });

  test('registerEphemeral replaces a znode left by another live session', async () => {
    const stale = await open();
    const fresh = await open();
    await stale.create('/nodes-stale/n1', Buffer.from('old'), { mode: 'ephemeral', parents: true });
    await fresh.registerEphemeral('/nodes-stale/n1', Buffer.from('new'));
    const read = await stale.getData('/nodes-stale/n1');
    assert.equal(read?.data.toString(), 'new');
    assert.equal(read?.stat.ephemeralOwner, fresh.sessionId());
  });

  test('unregisterEphemeral removes only its own znode, and says whether it did', async () => {
    const first = await open();
    const second = await open();
    await first.registerEphemeral('/claims/u1', Buffer.from('first'));
    await second.registerEphemeral('/claims/u1', Buffer.from('second'));
    assert.equal(await first.unregisterEphemeral('/claims/u1'), false, 'the znode is the other session\'s now');
    assert.equal((await first.exists('/claims/u1'))?.ephemeralOwner, second.sessionId(), 'and it stays');
    assert.equal(await second.unregisterEphemeral('/claims/u1'), true);
    assert.equal(await second.exists('/claims/u1'), undefined);
    assert.equal(await second.unregisterEphemeral('/claims/u1'), false, 'nothing left to remove');
  });

  test('registerEphemeral given the occupant it read replaces it in one transaction, and settles one that changed since', async () => {
    const counter = await startZkRequestCounter(zk.ports[0] ?? 0);
    const fresh = await open(`127.0.0.1:${counter.port}`);
    try {
      const stale = await open();
      await stale.create('/nodes-occupied/n1', Buffer.from('old'), { mode: 'ephemeral', parents: true });
      const read = await fresh.getData('/nodes-occupied/n1');
      counter.reset();
      await fresh.registerEphemeral('/nodes-occupied/n1', Buffer.from('new'), { occupant: read!.stat });
      // One request: the transaction. Without the occupant it takes a create that fails, an exists,
      // a delete and a create.
      assert.equal(counter.answered(), 1, 'the replacement is one request to ZooKeeper');
      const replaced = await stale.getData('/nodes-occupied/n1');
      assert.equal(replaced?.data.toString(), 'new');
      assert.equal(replaced?.stat.ephemeralOwner, fresh.sessionId());

      // The occupant changed after it was read: the transaction fails as a whole, and the long way wins.
      await stale.create('/nodes-occupied/n2', Buffer.from('old'), { mode: 'ephemeral' });
      const outdated = await fresh.getData('/nodes-occupied/n2');
      await stale.setData('/nodes-occupied/n2', Buffer.from('older'));
      await fresh.registerEphemeral('/nodes-occupied/n2', Buffer.from('new'), { occupant: outdated!.stat });
      const settled = await stale.getData('/nodes-occupied/n2');
      assert.equal(settled?.data.toString(), 'new');
      assert.equal(settled?.stat.ephemeralOwner, fresh.sessionId());

      // A first ephemeral under a parent that does not exist yet: the parent is made.
      await fresh.registerEphemeral('/nodes-unmade/deeper/n3', Buffer.from('x'));
      assert.equal((await stale.getData('/nodes-unmade/deeper/n3'))?.data.toString(), 'x');
    } finally {
      await fresh.close();
      await counter.close();
    }
  });

  test('watchChildren sees adds and removes, reports a missing parent as [] and keeps working across an expiry', async () => {
    const watcher = await open();
    const writer = await open();
    const lists = new Observed<string[]>();
    const stop = watcher.watchChildren('/watched', lists.push);
    await lists.next(sameList([]), 'the first list [] of a missing parent');
    await writer.create('/watched/a', undefined, { parents: true });
    await lists.next(sameList(['a']), 'the list [a]');
    await writer.create('/watched/b');
    await lists.next(sameList(['a', 'b']), 'the list [a, b]');
    await writer.delete('/watched/a');
    await lists.next(sameList(['b']), 'the list [b] after a was deleted');

    const events = new Observed<ZkSessionEvent>();
    watcher.on('state', events.push);
    await expireSession(zk.connectString, watcher.sessionId(), watcher.sessionPassword());
    await events.next((e) => e === 'new-session', "'new-session' of the watching session");
    await writer.create('/watched/c');
    await lists.next(sameList(['b', 'c']), 'the list [b, c] after the expiry');
    stop();
    const seen = lists.values.length;
    await writer.create('/watched/d');
    assert.equal((await writer.getChildren('/watched')).length, 3);
    assert.equal(lists.values.length, seen, 'no list after unsubscribe');
  });

  test('watchData reports the data, each change and the deletion', async () => {
    const s = await open();
    const seen = new Observed<string | undefined>();
    s.watchData('/config/ring', (data) => seen.push(data?.toString()));
    await seen.next((v) => v === undefined, 'undefined for a missing znode');
    await s.create('/config/ring', Buffer.from('160'), { parents: true });
    await seen.next((v) => v === '160', 'the data 160');
    await s.setData('/config/ring', Buffer.from('320'));
    await seen.next((v) => v === '320', 'the data 320');
    await s.delete('/config/ring');
    await seen.next((v) => v === undefined, 'undefined after deletion');
  });

  test('a create whose answer is lost with the connection reports its znode, and still refuses one it did not make', async () => {
    const relay = await startFaultyRelay(zk.ports[0] ?? 0);
    try {
      const session = await open(`127.0.0.1:${relay.port}`);
      const other = await open();
      const data = Buffer.from('mine');
      relay.loseNextAnswer();
      assert.equal(await session.create('/lost-answer', data), '/lost-answer');
      assert.equal(relay.lost(), 1, 'the answer to the create was lost');
      assert.deepEqual((await other.getData('/lost-answer'))?.data, data);

      relay.loseNextAnswer();
      assert.equal(await session.create('/lost-answer-ephemeral', data, { mode: 'ephemeral' }), '/lost-answer-ephemeral');
      assert.equal(relay.lost(), 2);
      assert.equal((await other.getData('/lost-answer-ephemeral'))?.stat.ephemeralOwner, session.sessionId());

      await other.create('/theirs', Buffer.from('theirs'));
      relay.loseNextAnswer();
      await assert.rejects(session.create('/theirs', data), (err: unknown) => isDchatError(err, 'DCHAT_ZK_NODE_EXISTS'));
      assert.equal(relay.lost(), 3);
    } finally {
      await relay.close();
    }
  });

  test('a connect string with a chroot creates the chroot and keeps every path under it', async () => {
    const chrooted = await open(`${zk.connectString}/dchat-test/one`);
    const root = await open();
    await chrooted.create('/UserServiceRpc/127.0.0.1:7002', Buffer.from('x'), { parents: true });
    assert.deepEqual(await root.getChildren('/dchat-test/one/UserServiceRpc'), ['127.0.0.1:7002']);
    assert.deepEqual(await chrooted.getChildren('/'), ['UserServiceRpc']);
  });
});

describe('ZkSession given a reply it cannot read', () => {
  test('drops that connection and connects again to the same session, instead of dying of the parse error', async () => {
    const zk = await startZooKeeper();
    const clients: Socket[] = [];
    const relay = await startLoopbackRelay(Number(zk.connectString.split(':')[1]), (client, server) => {
      clients.push(client);
      client.on('data', (chunk: Buffer) => server.write(chunk));
      server.on('data', (chunk: Buffer) => client.write(chunk));
    });
    let session: ZkSession | undefined;
    try {
      session = await ZkSession.connect({ connectString: `127.0.0.1:${relay.port}`, sessionTimeoutMs: 8_000 });
      const events = new Observed<ZkSessionEvent>();
      session.on('state', events.push);
      await session.registerEphemeral('/garbled/me', Buffer.from('x'));
      const before = session.sessionId();
      // A whole frame whose body is shorter than a reply header (xid, zxid, err): the library
      // reads the xid and then reads past the end.
      for (const client of clients) client.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 1]));
      await events.next((e) => e === 'disconnected', "'disconnected' after the unreadable reply");
      await events.next((e) => e === 'connected', "'connected' again");
      assert.equal(session.sessionId(), before, 'the same session');
      assert.equal((await session.exists('/garbled/me'))?.ephemeralOwner, before, 'its ephemeral is still there');
      assert.equal(events.values.includes('expired'), false, `events: ${events.values.join(', ')}`);
    } finally {
      await session?.close();
      await relay.close();
      await zk.stop();
    }
  });
});

describe('ZkSession on a three-server ensemble', () => {
  test('keeps its session, ephemerals and watches while the leader is killed', async () => {
    let zk: ZkServerHandle | undefined;
    const sessions: ZkSession[] = [];
    try {
      zk = await startZooKeeperEnsemble();
      const provider = await ZkSession.connect({ connectString: zk.connectString, sessionTimeoutMs: 10_000 });
      sessions.push(provider);
      const consumer = await ZkSession.connect({ connectString: zk.connectString, sessionTimeoutMs: 10_000 });
      sessions.push(consumer);
      const events = new Observed<ZkSessionEvent>();
      provider.on('state', events.push);
      const lists = new Observed<string[]>();
      consumer.watchChildren('/UserServiceRpc', lists.push);
      await provider.registerEphemeral('/UserServiceRpc/127.0.0.1:7003', Buffer.from('a'));
      await lists.next(sameList(['127.0.0.1:7003']), 'the first provider in the list');
      const sessionBefore = provider.sessionId();

      await zk.killServer(await zk.leaderIndex());
      // Followers drop their clients while they elect a new leader: every session reconnects.
      await events.next((e) => e === 'disconnected', "'disconnected' when the leader died");
      await events.next((e) => e === 'connected', "'connected' to a server of the new quorum");
      await provider.registerEphemeral('/UserServiceRpc/127.0.0.1:7004', Buffer.from('b'));
      await lists.next(sameList(['127.0.0.1:7003', '127.0.0.1:7004']), 'both providers after the leader was killed');
      assert.equal(provider.sessionId(), sessionBefore);
      assert.equal(events.values.includes('expired'), false);
      assert.equal((await consumer.exists('/UserServiceRpc/127.0.0.1:7003'))?.ephemeralOwner, sessionBefore);
    } finally {
      for (const s of sessions) await s.close();
      await zk?.stop();
    }
  });
});

describe('ZkSession on a server that stops answering', () => {
  test('drops the silent connection and keeps its session on another server', async () => {
    let zk: ZkServerHandle | undefined;
    let session: ZkSession | undefined;
    let paused: number | undefined;
    try {
      zk = await startZooKeeperEnsemble();
      const handle = zk;
      // Followers only: a frozen leader would stall the whole ensemble until a new election.
      const leader = await handle.leaderIndex();
      const followers = [0, 1, 2].filter((i) => i !== leader);
      const connectString = followers.map((i) => `127.0.0.1:${handle.ports[i]}`).join(',');
      session = await ZkSession.connect({ connectString, sessionTimeoutMs: 6_000 });
      const events = new Observed<ZkSessionEvent>();
      session.on('state', events.push);
      await session.registerEphemeral('/frozen/me', Buffer.from('x'));
      const sessionBefore = session.sessionId();
      const holder = await waitFor(async () => {
        for (const i of followers) if ((await handle.clientConnections(i)) > 0) return i;
        return undefined;
      }, 5_000, 'the follower that holds the session');
      handle.pauseServer(holder);
      paused = holder;
      await events.next((e) => e === 'disconnected', "'disconnected' from the frozen server", 10_000);
      await events.next((e) => e === 'connected', "'connected' to the other follower", 10_000);
      assert.equal(session.sessionId(), sessionBefore);
      assert.equal((await session.exists('/frozen/me'))?.ephemeralOwner, sessionBefore);
      assert.equal(events.values.includes('expired'), false, `events: ${events.values.join(', ')}`);
    } finally {
      if (paused !== undefined) zk?.resumeServer(paused);
      await session?.close();
      await zk?.stop();
    }
  });
});

describe('ZkSession.connect without a server', () => {
  test('fails with DCHAT_ZK_UNREACHABLE naming the address and the remedy within connectTimeoutMs', async () => {
    const port = await freeLoopbackPort();
    const started = Date.now();
    await assert.rejects(ZkSession.connect({ connectString: `127.0.0.1:${port}`, connectTimeoutMs: 1_500 }), (e) => {
      assert.ok(isDchatError(e, 'DCHAT_ZK_UNREACHABLE'), String(e));
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port} refused the connection: is it running\\? .dchat up --cluster. starts one`));
      return true;
    });
    assert.ok(Date.now() - started < 3_000, `gave up after ${Date.now() - started} ms`);
  });
});
