// Resume in a cluster (ZooKeeper, MariaDB, two `dchat server` nodes): a token made by a login on
// one node logs the user in on the other, which is where a client lands after its node died.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatClient } from '../src/client/chat-client.js';
import { dchat } from '../src/gen/proto.js';
import { startTestCluster, type TestCluster } from './support/test-cluster.js';

let cluster: TestCluster | undefined;
const clients: ChatClient[] = [];
before(async () => {
  cluster = await startTestCluster({ nodes: 2 });
});
after(async () => {
  for (const client of clients) client.destroy();
  await cluster?.stop();
});

test('a resume token made on one cluster node logs the user in on another after the first was killed', async () => {
  if (!cluster) throw new Error('the cluster did not start: see the before hook');
  const [first, second] = cluster.nodes;
  assert.ok(first && second);
  const connect = async (node: { host: string; port: number }): Promise<ChatClient> => {
    const client = new ChatClient({ host: node.host, port: node.port, pingIntervalMs: 0 });
    clients.push(client);
    await client.connect();
    return client;
  };
  const onFirst = await connect(first);
  const id = (await onFirst.call({ register: { name: 'cluster-rene', password: 'rene-password' } })).register?.user?.id ?? 0;
  const token = (await onFirst.call({ login: { userId: id, password: 'rene-password' } })).login?.resumeToken ?? '';
  assert.ok(token.length >= 22);
  await first.kill('SIGKILL');

  const onSecond = await connect(second);
  const resumed = await onSecond.request({ resume: { userId: id, token } });
  assert.equal(dchat.Status[resumed.status], 'OK', resumed.errorText);
  assert.equal(resumed.login?.user?.name, 'cluster-rene');
});
