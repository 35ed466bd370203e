// A rolling restart across hosts: each of the three chat nodes is stopped with SIGTERM (its drain:
// leave /dchat/nodes, so `dchat lb` takes it out of nginx's upstream, and the service registry;
// stop accepting; tell its clients SHUTTING_DOWN, --drain-rate a second; close) and started again on its host, one at a time, the next only once the
// restarted node is healthy (registered again, and back in nginx's upstream). Twelve users on two
// client hosts chat through nginx all the while; a client told to go reconnects through nginx and
// logs in. Nothing answered "sent" may be lost or shown twice, and no client waits more than 2 s
// between two messages shown during the restart (others write to it without pause). The same at
// a thousand clients is bench/rolling (docs/benchmarks.md).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryLedger } from './support/delivery-ledger.js';
import { joinPeople, startChatter } from './support/hosts-chatter.js';
import { startHostsCluster, type HostsCluster } from './support/hosts-cluster.js';
import { waitFor } from './support/wait.js';

const requestTimeoutMs = 3_000;

describe('dchat across hosts: a rolling restart', () => {
  let cluster: HostsCluster;

  before(async () => {
    cluster = await startHostsCluster({ nodes: 3, clientHosts: 2, lbArgs: ['--max-fails', '1', '--fail-timeout', '2'] });
  });
  after(async () => {
    await cluster?.stop();
  });

  /** The output of every node process stopped so far: a failure names what they said about a user. */
  const stopped: { nodeId: string; output: () => string }[] = [];

  /** Stops node `index` (SIGTERM), starts it again, and waits until it is registered and in nginx's upstream. */
  const restartOne = async (index: number): Promise<number> => {
    const node = cluster.nodes[index] ?? assert.fail(`no node ${index}`);
    const upstreams = (): number => (cluster.lb.output().match(/upstream dchat has 3 node\(s\).*nginx reloaded/g) ?? []).length;
    const upstreamsBefore = upstreams();
    const startMs = Date.now();
    stopped.push({ nodeId: node.nodeId, output: node.process.output });
    await node.process.stop();
    await cluster.restartNode(index);
    await waitFor(async () => (await cluster.zk.getData(`/dchat/nodes/${node.nodeId}`)) !== undefined, 20_000, `${node.nodeId} to register again`);
    await waitFor(() => upstreams() > upstreamsBefore, 20_000, `dchat lb to put ${node.nodeId} back in nginx's upstream`);
    return Date.now() - startMs;
  };

  /** The longest a client may wait for a message during the restart (the bound). */
  const maxGapMs = 2_000;

  test('every node restarted in turn under chatter: nothing sent is lost or shown twice, and nobody waits more than 2 s for a message', async (t) => {
    const people = await joinPeople(cluster, 'rr', 12, requestTimeoutMs);
    const ledger = new DeliveryLedger();
    const talk = startChatter(cluster, people, ledger);
    const took: number[] = [];
    let windowStartMs = 0;
    let windowEndMs = 0;
    try {
      await waitFor(() => ledger.count('acked') >= 100, 10_000, '100 messages acknowledged before the restart');
      windowStartMs = Date.now();
      for (let i = 0; i < cluster.nodes.length; i++) took.push(await restartOne(i));
      windowEndMs = Date.now();
      const ackedAfter = ledger.count('acked');
      await waitFor(() => ledger.count('acked') >= ackedAfter + 100, 20_000, '100 more messages acknowledged after the restart');
    } finally {
      await talk.stop();
    }
    await ledger.waitForAllAcknowledged(20_000).catch(async (err: unknown) => {
      const missing = [...new Set(ledger.missing().map((m) => m.recipient))].map((name) => people.find((p) => p.name === name) ?? assert.fail(name));
      const lines = await Promise.all(missing.map(async (p) => `${p.name} (user ${p.id}, on ${await cluster.nodeOf(p.id)}, connections ${p.connections}):\n` +
        [...stopped, ...cluster.nodes.map((n) => ({ nodeId: n.nodeId, output: n.process.output }))]
          .map((n) => n.output().split('\n').filter((l) => new RegExp(`users? [\\d,]*\\b${p.id}\\b|"(warn|error)"`).test(l)).map((l) => `  ${n.nodeId} ${l}`).join('\n')).join('\n')));
      throw new Error(`${(err as Error).message}\n${lines.join('\n')}`);
    });
    ledger.assertExactlyOnce(people);

    // Each person's longest wait between two messages shown, counted from the window's start to
    // the first message after its end (others write to everyone without pause).
    const gaps = people.map((p) => {
      const times = [windowStartMs, ...p.shownAtMs.filter((ms) => ms > windowStartMs && ms <= windowEndMs), p.shownAtMs.find((ms) => ms > windowEndMs) ?? Date.now()];
      return Math.max(...times.slice(1).map((ms, i) => ms - (times[i] ?? ms)));
    });
    t.diagnostic(`each node back and in nginx's upstream after ${took.join(', ')} ms; longest wait for a message per client: ${gaps.join(', ')} ms (max ${Math.max(...gaps)}); ` +
      `reconnected: ${talk.reconnects.length} times; ${ledger.summary()}`);
    const late = people.filter((_, i) => (gaps[i] ?? 0) > maxGapMs).map((p) => `${p.name} ${gaps[people.indexOf(p)]} ms`);
    assert.deepEqual(late, [], `every client was shown a message at least every ${maxGapMs} ms while the nodes restarted`);
  });
});
