// Fault: the chat node of a sender is killed -9 while the sender's chat requests are in flight,
// in a cluster behind nginx (ZooKeeper, MariaDB, two `dchat server --zk` nodes, nginx round-robin,
// all real processes). The sender's ChatSession reconnects through nginx to the live node, logs
// in again and resends every unanswered message with its client_msg_id; the live node finds the
// messages the dead one stored (their answers were lost: test/support/resend-scenario.ts) in
// MariaDB and answers with their ids. The recipient is shown each message once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ZkSession } from '../src/zk/zk-session.js';
import { AnswerHoldingRelay } from './support/answer-holding-relay.js';
import type { DchatProcess } from './support/dchat-process.js';
import { freeLoopbackPort, roundRobinStream, startNginx, type NginxHandle } from './support/nginx.js';
import { loggedInPerson, runResendScenario, type Person } from './support/resend-scenario.js';
import { startTestCluster, type TestCluster } from './support/test-cluster.js';
import { waitFor } from './support/wait.js';


describe('cluster fault: a sender\'s node behind nginx is killed with chat requests in flight', () => {
  let cluster: TestCluster;
  let zk: ZkSession;
  let nginx: NginxHandle;
  let relay: AnswerHoldingRelay | undefined;
  let nodes: DchatProcess[] = [];
  const people: Person[] = [];

  before(async () => {
    cluster = await startTestCluster({ nodes: 2, nodeArgs: ['--zk-session-timeout-ms', '4000'] });
    ({ zk, nodes } = cluster);
  });
  after(async () => {
    for (const p of people) p.session.close();
    await relay?.close();
    await nginx?.stop();
    await cluster?.stop();
  });

  test('the sender resends through nginx to the live node: every typed message is shown once, with the id of its first store', async () => {
    const listenPort = await freeLoopbackPort();
    nginx = await startNginx(roundRobinStream(listenPort, nodes, 2));
    const lb = { host: '127.0.0.1', port: listenPort };
    relay = new AnswerHoldingRelay(lb);
    await relay.start();
    const rita = await loggedInPerson('rn-rita', lb);
    const sam = await loggedInPerson('rn-sam', { host: '127.0.0.1', port: relay.port });
    people.push(rita, sam);
    const presence = await waitFor(() => zk.getData(`/dchat/presence/${sam.id}`), 5_000, "sam's presence znode");
    const samsNodeId = String((JSON.parse(presence.data.toString()) as Record<string, unknown>)['nodeId']);
    const victim = nodes.find((n) => `${n.host}:${n.port}` === samsNodeId);
    assert.ok(victim, `sam's node ${samsNodeId} is one of ours`);

    await runResendScenario({ sam, rita, relay, killSamsNode: () => victim.kill('SIGKILL'), recover: () => Promise.resolve() });
    const samNow = await waitFor(async () => {
      const entry = await zk.getData(`/dchat/presence/${sam.id}`);
      const nodeId = entry ? String((JSON.parse(entry.data.toString()) as Record<string, unknown>)['nodeId']) : '';
      return nodeId !== '' && nodeId !== samsNodeId ? nodeId : undefined;
    }, 10_000, 'sam to be present on the live node');
    assert.notEqual(samNow, samsNodeId);
  });
});
