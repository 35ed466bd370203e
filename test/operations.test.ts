// Operations end to end: a real Prometheus scrapes two chat nodes of a real cluster (ZooKeeper,
// MariaDB, `dchat server --metrics`) and answers, through its HTTP API, how many messages each
// node stored and pushed and how late they were; the nodes answer /healthz and /readyz; their
// logs are JSON lines that hold none of the passwords, resume tokens or the cluster secret the run used.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { ChatClient } from '../src/client/chat-client.js';
import { dchat } from '../src/gen/proto.js';
import { ChatUser } from './support/chat-user.js';
import { testClusterSecret, type DchatProcess, fetchOps, testMetricsToken } from './support/dchat-process.js';
import { startPrometheus, type PrometheusHandle } from './support/prometheus.js';
import { startTestCluster, type TestCluster } from './support/test-cluster.js';
import { waitFor } from './support/wait.js';

/** host:port of the node's --metrics endpoint, from the line it printed. */
function metricsAddressOf(node: DchatProcess): string {
  const match = /dchat server: metrics on http:\/\/(\S+)\/metrics/.exec(node.output());
  assert.ok(match, `the node printed where its metrics are:\n${node.output()}`);
  return match[1] ?? '';
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetchOps(url);
  return { status: res.status, text: await res.text() };
}

describe('operations: metrics, health and logs', () => {
  let cluster: TestCluster;
  let prometheus: PrometheusHandle;
  let a: DchatProcess;
  let b: DchatProcess;
  const users: ChatUser[] = [];
  const resumeTokens: string[] = [];

  before(async () => {
    cluster = await startTestCluster({ nodes: 2, nodeArgs: ['--metrics', '127.0.0.1:0'] });
    [a, b] = cluster.nodes as [DchatProcess, DchatProcess];
    prometheus = await startPrometheus([metricsAddressOf(a), metricsAddressOf(b)], testMetricsToken);
  });
  after(async () => {
    for (const u of users) u.close();
    await prometheus?.stop();
    await cluster?.stop();
  });

  test('prometheus scrapes both nodes and sees a message stored on one node and pushed on the other', async () => {
    const [aMetrics, bMetrics] = [metricsAddressOf(a), metricsAddressOf(b)];
    await waitFor(async () => {
      const health = await prometheus.targetHealth();
      return health.get(aMetrics) === 'up' && health.get(bMetrics) === 'up';
    }, 15_000, `prometheus to scrape both nodes (${aMetrics}, ${bMetrics}) successfully`);

    const ann = await ChatUser.registered('ops-ann', a.host, a.port);
    const bob = await ChatUser.registered('ops-bob', b.host, b.port);
    users.push(ann, bob);
    for (const user of [ann, bob]) {
      const token = (await user.login()).login?.resumeToken ?? '';
      assert.ok(token.length > 0, `${user.name} was given a resume token`);
      resumeTokens.push(token);
    }
    await waitFor(async () => (await cluster.zk.exists(`/dchat/presence/${bob.id}`)) !== undefined, 5000, "bob's presence znode");
    await ann.client.call({ chat: { toId: bob.id, text: 'counted by prometheus' } });
    await bob.waitForMessage('counted by prometheus');

    // Stored (and acknowledged to ann) on ann's node; pushed live on bob's, which also timed it.
    const stored = await waitFor(async () => {
      const rows = await prometheus.query('sum by (instance) (dchat_messages_stored_total{kind="direct"})');
      return rows.find((r) => r.labels['instance'] === aMetrics && r.value >= 1);
    }, 15_000, `prometheus to count the message stored on node A (${aMetrics})`);
    assert.equal(stored.value, 1);
    await waitFor(async () => {
      const rows = await prometheus.query('dchat_messages_pushed_total{path="live"} > 0');
      return rows.some((r) => r.labels['instance'] === bMetrics);
    }, 15_000, `prometheus to count the live push on node B (${bMetrics})`);
    await waitFor(async () => {
      const rows = await prometheus.query('dchat_message_delivery_seconds_count > 0');
      return rows.some((r) => r.labels['instance'] === bMetrics);
    }, 15_000, 'the delivery-latency histogram of node B to hold the message');
    // The questions of docs/operations.md, in its PromQL: how many messages per second, on which
    // node, and how late.
    const perNode = await waitFor(async () => {
      const rows = await prometheus.query('sum by (instance) (rate(dchat_messages_stored_total[1m]))');
      return rows.find((r) => r.labels['instance'] === aMetrics && r.value > 0);
    }, 15_000, 'a rate of messages per second on node A');
    assert.ok(perNode.value > 0);
    const p99 = await waitFor(async () => {
      const rows = await prometheus.query('histogram_quantile(0.99, sum by (le) (rate(dchat_message_delivery_seconds_bucket[5m])))');
      return rows.length === 1 && Number.isFinite(rows[0]!.value) ? rows : undefined;
    }, 15_000, 'a p99 delivery latency from the rate of the histogram');
    assert.ok(p99[0]!.value < 10, `a p99 delivery latency under 10 s, got ${JSON.stringify(p99)}`);
    const sendLatency = await prometheus.query('dchat_request_duration_seconds_count{command="chat"}');
    assert.ok(sendLatency.some((r) => r.labels['instance'] === aMetrics && r.value >= 1), `node A timed the send: ${JSON.stringify(sendLatency)}`);
    await waitFor(async () => {
      const rows = await prometheus.query('sum(dchat_messages_acked_total)');
      return (rows[0]?.value ?? 0) >= 1;
    }, 15_000, "prometheus to count bob's acknowledgement");
    // Node A stored the message with the services it hosts, in its own process, and pushed it to bob's node over RPC.
    const rpc = await prometheus.query('dchat_rpc_client_calls_total{service="ChatServiceRpc",method="Push",code="OK"}');
    assert.ok(rpc.some((r) => r.labels['instance'] === aMetrics && r.value >= 1), `node A's push to node B counted by service, method and code: ${JSON.stringify(rpc)}`);
    const served = await prometheus.query('dchat_rpc_server_calls_total{service="ChatServiceRpc",method="Push",code="OK"}');
    assert.ok(served.some((r) => r.labels['instance'] === bMetrics && r.value >= 1), `node B's serving of the push counted: ${JSON.stringify(served)}`);
    await waitFor(async () => {
      const rows = await prometheus.query('sum(dchat_store_commit_seconds_count{backend="mysql"})');
      return (rows[0]?.value ?? 0) >= 1;
    }, 15_000, "prometheus to see the message's MySQL commit timed (on the node whose OfflineServiceRpc stored it)");
    const logins = await prometheus.query('sum(dchat_logins_total{outcome="ok"})');
    assert.ok((logins[0]?.value ?? 0) >= 2, `both logins counted: ${JSON.stringify(logins)}`);
    const connected = await prometheus.query('dchat_zk_connected');
    assert.equal(connected.filter((r) => r.value === 1).length, 2, `both nodes' ZooKeeper sessions connected: ${JSON.stringify(connected)}`);
    const loggedIn = await prometheus.query('sum(dchat_connections{state="logged_in"})');
    assert.equal(loggedIn[0]?.value, 2, 'two connections logged in');
    const lag = await prometheus.query('nodejs_eventloop_lag_seconds');
    assert.equal(lag.length, 2, 'the process metrics (event-loop lag) of both nodes');
  });

  test('labels name commands and statuses, never a user id', async () => {
    const text = (await get(`http://${metricsAddressOf(a)}/metrics`)).text;
    const ids = users.map((u) => String(u.id));
    let labelled = 0;
    for (const line of text.split('\n').filter((l) => l.startsWith('dchat_') && l.includes('{'))) {
      // le (a histogram's bucket bound) is a number by design; every other label must not be an id.
      for (const [, name, value] of line.matchAll(/(\w+)="([^"]*)"/g)) {
        if (name !== 'le') assert.equal(ids.includes(value ?? ''), false, `label ${name} is a user id: ${line}`);
      }
      labelled++;
    }
    assert.ok(labelled > 10, 'the node serves labelled dchat series');
    assert.match(text, /^dchat_requests_total\{command="login",status="ok"\} \d+$/m);
    assert.match(text, /^# TYPE dchat_message_delivery_seconds histogram$/m);
  });

  test('/healthz and /readyz answer; a node that is shutting down is not ready', async () => {
    const node = await cluster.startNode(['--metrics', '127.0.0.1:0']);
    const address = metricsAddressOf(node);
    assert.deepEqual(await get(`http://${address}/healthz`), { status: 200, text: 'ok\n' });
    assert.deepEqual(await get(`http://${address}/readyz`), { status: 200, text: 'ready\n' });
    assert.equal((await get(`http://${address}/nowhere`)).status, 404);
    // A connection that never closes its side keeps the node in its shutdown for closeGraceMs
    // (2 s), so /readyz can be asked while the node drains.
    const lingering = connect({ host: node.host, port: node.port });
    lingering.on('error', () => undefined);
    await once(lingering, 'connect');
    process.kill(node.pid, 'SIGTERM');
    const draining = await waitFor(async () => {
      const res = await get(`http://${address}/readyz`).catch(() => undefined);
      return res && res.status === 503 ? res : undefined;
    }, 5000, 'the draining node to answer 503 on /readyz');
    assert.match(draining.text, /draining: the node is shutting down/);
    lingering.destroy();
  });

  test('a node cut off from ZooKeeper is not ready, and is ready again once its session is back', async () => {
    const address = metricsAddressOf(a);
    await cluster.zkServer.killServer(0);
    const cutOff = await waitFor(async () => {
      const res = await get(`http://${address}/readyz`);
      return res.status === 503 ? res : undefined;
    }, 10_000, 'node A to answer 503 on /readyz once ZooKeeper is gone');
    assert.match(cutOff.text, /not registered: the ZooKeeper session is disconnected or expired/);
    assert.match((await get(`http://${address}/metrics`)).text, /^dchat_zk_connected 0$/m);
    assert.equal((await get(`http://${address}/healthz`)).status, 200, 'the process still serves');
    await waitFor(async () => {
      const rows = await prometheus.query('up{job="dchat"} == 0 or dchat_zk_connected == 0');
      return rows.length === 2;
    }, 15_000, 'prometheus to list both nodes as not ready (the PromQL of docs/operations.md)');
    await cluster.zkServer.startServer(0);
    await waitFor(async () => (await get(`http://${address}/readyz`)).status === 200, 15_000, 'node A to be ready again once ZooKeeper is back');
    // Node B lost ZooKeeper too: the tests after this one use it.
    await waitFor(async () => (await get(`http://${metricsAddressOf(b)}/readyz`)).status === 200, 15_000, 'node B to be ready again once ZooKeeper is back');
  });

  test('the logs are JSON lines with time, level, module, node and msg, and hold no password, resume token or secret', async () => {
    // A resume token used on the other node, so that the logs had the chance to show one.
    const [ann] = users as [ChatUser];
    const resumer = new ChatClient({ host: b.host, port: b.port, pingIntervalMs: 0 });
    await resumer.connect();
    try {
      const resumed = await resumer.request({ resume: { userId: ann.id, token: resumeTokens[0] ?? '' } });
      assert.equal(dchat.Status[resumed.status], 'OK', resumed.errorText);
    } finally {
      resumer.close();
    }
    for (const node of [a, b]) {
      const lines = node.output().split('\n').filter((l) => l.startsWith('{'));
      assert.ok(lines.length >= 3, `node ${node.port} logged JSON lines:\n${node.output()}`);
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        for (const field of ['time', 'level', 'module', 'msg']) assert.ok(field in entry, `"${field}" in ${line}`);
      }
      const fromNode = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e['node'] === `${node.host}:${node.port}`);
      assert.ok(fromNode.length > 0, `lines of node ${node.port} carry its node id`);
      assert.doesNotMatch(node.output(), /^\d{4}-\d\d-\d\dT\S+ (DEBUG|INFO|WARN|ERROR) /m, 'no line in the old text layout');
      for (const secret of [...users.map((u) => `${u.name}-secret`), ...resumeTokens, testClusterSecret]) {
        assert.equal(node.output().includes(secret), false, `node ${node.port}'s output holds a secret (${secret.slice(0, 6)}…)`);
      }
    }
  });
});
