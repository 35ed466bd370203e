// Fault: a chat node loses ZooKeeper (its only server is killed) while clients come to log in.
// A login needs ZooKeeper to claim the user's presence, so without it the login waited for the
// connection to come back, up to the client's request timeout (10 s in dchat's clients). The node
// refuses it at once instead, UNAVAILABLE with a retry-after: the client connects again, and
// through the load balancer another node answers. Once ZooKeeper is back, logins pass again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dchat } from '../src/gen/proto.js';
import { Correspondent } from './support/delivery-ledger.js';
import type { DchatProcess } from './support/dchat-process.js';
import { startTestCluster, type TestCluster } from './support/test-cluster.js';
import { waitFor } from './support/wait.js';

describe('cluster fault: a node without ZooKeeper is asked to log someone in', () => {
  let cluster: TestCluster;
  const people: Correspondent[] = [];

  before(async () => {
    cluster = await startTestCluster({ nodes: 1 });
  });
  after(async () => {
    for (const p of people) p.close();
    await cluster?.stop();
  });

  test('the login and the resume are refused at once, UNAVAILABLE with a retry-after, and pass once ZooKeeper is back', async () => {
    const node = cluster.nodes[0] as DchatProcess;
    const ann = new Correspondent('zl-ann');
    people.push(ann);
    await ann.connect(node);
    await ann.register();
    const token = (await ann.login()).login?.resumeToken ?? '';
    assert.notEqual(token, '', 'the login handed out a resume token');
    ann.close();

    await cluster.zkServer.killServer(0);
    const late = new Correspondent('zl-ann', ann.password);
    late.id = ann.id;
    people.push(late);
    const refused = await waitFor(async () => {
      await late.connect(node);
      const startedMs = Date.now();
      const res = await late.request({ resume: { userId: ann.id, token } });
      return res.status === dchat.Status.UNAVAILABLE ? { res, tookMs: Date.now() - startedMs } : undefined;
    }, 15_000, 'the node to refuse a resume as UNAVAILABLE once its ZooKeeper is gone');
    assert.ok(refused.tookMs < 2_000, `refused within 2 s, not after a wait for ZooKeeper (${refused.tookMs} ms)`);
    assert.match(refused.res.errorText, /lost its connection to ZooKeeper and cannot log anyone in now; connect again/);
    assert.ok(refused.res.retryAfterMs > 0, 'with a retry-after');
    const startedMs = Date.now();
    const login = await late.request({ login: { userId: ann.id, password: ann.password } });
    assert.equal(dchat.Status[login.status], 'UNAVAILABLE', login.errorText);
    assert.ok(Date.now() - startedMs < 2_000, 'a password login is refused at once too');

    await cluster.zkServer.startServer(0);
    const back = await waitFor(async () => {
      const res = await late.request({ resume: { userId: ann.id, token } });
      return res.status === dchat.Status.OK ? res : undefined;
    }, 20_000, 'the resume to pass once ZooKeeper is back');
    assert.equal(back.login?.user?.id, ann.id);
  });
});
