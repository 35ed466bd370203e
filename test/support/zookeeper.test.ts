import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import zookeeper from 'node-zookeeper-client';
import { waitFor } from './wait.js';
import { expireSession, fourLetterWord, startZooKeeper, startZooKeeperEnsemble, type ZkServerHandle } from './zookeeper.js';

function connected(connectString: string): Promise<zookeeper.Client> {
  return new Promise((resolve, reject) => {
    const client = zookeeper.createClient(connectString, { sessionTimeout: 10_000 });
    const timer = setTimeout(() => reject(new Error(`no ZooKeeper session at ${connectString} within 10 s`)), 10_000);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

function call<T>(op: (cb: (error: unknown, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => op((error, value) => (error ? reject(error) : resolve(value))));
}

test('startZooKeeper serves srvr on its port and stop kills it and removes its directory', async () => {
  const zk = await startZooKeeper();
  try {
    assert.match(await fourLetterWord(zk.ports[0] ?? 0, 'srvr'), /^Mode: standalone/m);
    assert.equal(await zk.leaderIndex(), 0);
  } finally {
    await zk.stop();
  }
  assert.equal(existsSync(zk.dirs[0] ?? ''), false);
  assert.equal(await fourLetterWord(zk.ports[0] ?? 0, 'srvr'), '');
});

test('expireSession really expires a session: its ephemeral node goes and the owner hears expired', async () => {
  const zk = await startZooKeeper();
  const clients: zookeeper.Client[] = [];
  try {
    const owner = await connected(zk.connectString);
    const observer = await connected(zk.connectString);
    clients.push(owner, observer);
    await call<string>((cb) => owner.create('/owned', null, [new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id('world', 'anyone'))], zookeeper.CreateMode.EPHEMERAL, cb));
    let ownerExpired = false;
    owner.once('expired', () => (ownerExpired = true));
    await expireSession(zk.connectString, owner.getSessionId().toString('hex'), owner.getSessionPassword());
    assert.equal(await call<zookeeper.Stat | null>((cb) => observer.exists('/owned', undefined, cb)), null);
    // The owner hears it when the server drops its connection; if the owner had come back on the
    // session just before the close (expireSession's "hears of it late"), that is only when the
    // server finds the connection's session gone, within a few session timeouts (10 s here): one
    // run on a loaded machine took over 20 s.
    await waitFor(() => ownerExpired, 45_000, 'the owner of the closed session to hear that it expired');
  } finally {
    for (const c of clients) c.close();
    await zk.stop();
  }
});

test('an ensemble of three elects one leader and elects another when the leader is killed', async () => {
  let zk: ZkServerHandle | undefined;
  try {
    zk = await startZooKeeperEnsemble();
    assert.equal(zk.ports.length, 3);
    const leader = await zk.leaderIndex();
    await zk.killServer(leader);
    assert.equal(zk.pids[leader], 0);
    const next = await zk.leaderIndex();
    assert.notEqual(next, leader);
    await zk.startServer(leader);
    assert.match(await fourLetterWord(zk.ports[leader] ?? 0, 'srvr'), /^Mode: follower/m);
  } finally {
    await zk?.stop();
  }
});
