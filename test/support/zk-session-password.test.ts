import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ZkSession } from '../../src/zk/zk-session.js';
import { zkSessionPassword } from './zk-session-password.js';
import { startZooKeeper, type ZkServerHandle } from './zookeeper.js';

let server: ZkServerHandle;
before(async () => {
  server = await startZooKeeper();
});
after(async () => {
  await server?.stop();
});

test('zkSessionPassword derives from the id the password ZooKeeper gave each of several live sessions', async () => {
  const sessions = await Promise.all([1, 2, 3].map(() => ZkSession.connect({ connectString: server.connectString })));
  try {
    for (const session of sessions) {
      assert.equal(zkSessionPassword(session.sessionId()).toString('hex'), session.sessionPassword().toString('hex'), `session 0x${session.sessionId()}`);
    }
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
});
