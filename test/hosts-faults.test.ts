// Faults of a real network, across hosts (test/support/hosts.ts): links are cut, processes stay
// up. One cluster of three chat nodes (ZooKeeper ensemble, MariaDB, nginx with `dchat lb`, clients
// on two client hosts) lives through three faults in turn, each with six users of its own chatting
// through nginx all the while:
// - a node partitioned from the three ZooKeeper hosts (its session expires; it reaches everything else),
// - a node partitioned from the front host (nginx), so from every one of its clients,
// - a node's host cut off altogether (nginx loses a backend), then back.
// A client whose request goes unanswered (3 s) does what the dchat client does: it connects again
// through nginx and logs in (test/support/hosts-chatter.ts). For each fault the test checks the delivery contract (every message
// answered "sent" is shown to each recipient exactly once, by message id) and that no user is
// served by two nodes at once: once things settle, each node's count of logged-in users in
// /dchat/nodes equals the number of users whose presence names it. What a user sees in each fault
// is in docs/reliability.md, "Across hosts".
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { repoRoot } from './support/dchat-process.js';
import { DeliveryLedger } from './support/delivery-ledger.js';
import { joinPeople, reconnect, startChatter } from './support/hosts-chatter.js';
import { startHostsCluster, type ChatNodeOnHost, type HostsCluster } from './support/hosts-cluster.js';
import type { RemoteCorrespondent } from './support/remote-correspondent.js';
import { waitFor } from './support/wait.js';

const zkSessionTimeoutMs = 4_000;
const requestTimeoutMs = 3_000;

describe('dchat across hosts: links cut', () => {
  let cluster: HostsCluster;

  before(async () => {
    cluster = await startHostsCluster({ nodes: 3, clientHosts: 2, nodeArgs: ['--zk-session-timeout-ms', String(zkSessionTimeoutMs)], lbArgs: ['--max-fails', '1', '--fail-timeout', '2'] });
  });
  after(async () => {
    await cluster?.stop();
  });

  /** Six users through nginx, on both client hosts; round-robin places two on each node. */
  const joinSix = (tag: string): Promise<RemoteCorrespondent[]> => joinPeople(cluster, tag, 6, requestTimeoutMs);

  /** A node's /dchat/nodes entry, or undefined while it is not listed. */
  const recordOf = async (node: ChatNodeOnHost): Promise<{ users: number; updatedAtMs: number } | undefined> => {
    const entry = await cluster.zk.getData(`/dchat/nodes/${node.nodeId}`);
    return entry ? (JSON.parse(entry.data.toString()) as { users: number; updatedAtMs: number }) : undefined;
  };

  /**
   * No user served by two nodes: every node is listed, with a load refreshed after `sinceMs`, and
   * its count of logged-in users equals the users whose presence names it (all users here are
   * logged in once each).
   */
  const assertOneNodePerUser = async (people: RemoteCorrespondent[], earlier: RemoteCorrespondent[], sinceMs: number): Promise<void> => {
    let last = '';
    await waitFor(async () => {
      const places = await Promise.all([...earlier, ...people].map((p) => cluster.nodeOf(p.id)));
      const records = await Promise.all(cluster.nodes.map(recordOf));
      const counts = cluster.nodes.map((n) => places.filter((p) => p === n.nodeId).length);
      last = cluster.nodes.map((n, i) => `${n.nodeId}: ${records[i]?.users ?? 'unlisted'} sessions, ${counts[i]} users by presence`).join('; ');
      return !places.includes('nowhere') && records.every((r, i) => r !== undefined && r.updatedAtMs > sinceMs && r.users === counts[i]);
    }, 15_000, 'each node to count exactly the users whose presence names it').catch(async (err: unknown) => {
      const where = await Promise.all(people.map(async (p) => `${p.name}=user ${p.id} on ${await cluster.nodeOf(p.id)} (connections ${p.connections})`));
      const about = cluster.nodes.map((n) => `${n.nodeId}:\n${n.process.output().split('\n').filter((l) => people.some((p) => new RegExp(`user ${p.id}\\b`).test(l))).join('\n')}`);
      throw new Error(`${(err as Error).message}: ${last}\n${where.join('\n')}\n${about.join('\n')}`);
    });
  };

  /**
   * Waits until nginx sends a new client to `node` again, and returns how long that took. A node
   * nginx failed to reach is left out for fail_timeout (2 s here), counted from the last failed
   * connect, which may be a second after the link healed (proxy_connect_timeout). A probe logs in
   * through nginx, notes where it landed and leaves, until it lands on `node`.
   */
  const waitForNginxToUse = async (node: ChatNodeOnHost, name: string): Promise<number> => {
    const startMs = Date.now();
    const probe = (cluster.clients[0] ?? assert.fail('no client host')).person(name, requestTimeoutMs);
    await waitFor(async () => {
      await probe.connect(cluster.front);
      if (probe.id === 0) await probe.register();
      await probe.login();
      const place = await cluster.nodeOf(probe.id);
      probe.close();
      await waitFor(async () => (await cluster.nodeOf(probe.id)) === 'nowhere', 10_000, `${name}'s presence to end once it left ${place}`);
      return place === node.nodeId;
    }, 20_000, `nginx to send a new client to ${node.nodeId} again`);
    return Date.now() - startMs;
  };

  const everyone: RemoteCorrespondent[] = [];

  /** Runs a fault under chatter and checks the contract; returns what the test reports. */
  const underChatter = async (
    t: TestContext,
    tag: string,
    fault: (people: RemoteCorrespondent[], placed: string[]) => Promise<string>,
  ): Promise<void> => {
    const people = await joinSix(tag);
    const placed = await Promise.all(people.map((p) => cluster.nodeOf(p.id)));
    assert.equal(new Set(placed).size, 3, `round-robin puts the six users on all three nodes: ${placed.join(', ')}`);
    const ledger = new DeliveryLedger();
    const talk = startChatter(cluster, people, ledger);
    let story: string;
    try {
      await waitFor(() => ledger.count('acked') >= 60, 10_000, '60 messages acknowledged before the fault');
      story = await fault(people, placed);
      const ackedAfter = ledger.count('acked');
      await waitFor(() => ledger.count('acked') >= ackedAfter + 60, 30_000, '60 more messages acknowledged after the fault healed');
    } finally {
      await talk.stop();
    }
    await ledger.waitForAllAcknowledged(20_000).catch(async (err: unknown) => {
      const missing = [...new Set(ledger.missing().map((m) => m.recipient))].map((name) => people.find((p) => p.name === name) as RemoteCorrespondent);
      const lines = await Promise.all(missing.map(async (p) => `${p.name} (user ${p.id}, on ${await cluster.nodeOf(p.id)}, placed first on ${placed[people.indexOf(p)]}, connected ${p.isConnected()}):\n` +
        cluster.nodes.map((n) => n.process.output().split('\n').filter((l) => new RegExp(`user ${p.id}\\b|WARN|ERROR`).test(l)).map((l) => `  ${n.nodeId} ${l}`).join('\n')).join('\n')));
      throw new Error(`${(err as Error).message}\n${lines.join('\n')}`);
    });
    ledger.assertExactlyOnce(people);
    const settledMs = Date.now();
    await assertOneNodePerUser(people, everyone, settledMs);
    everyone.push(...people);
    t.diagnostic(`${story}; reconnected after an unanswered request: ${talk.reconnects.join(', ') || 'nobody'}; ${ledger.summary()}`);
  };

  test('a node partitioned from ZooKeeper: its users stay on it, and everything sent reaches them once', async (t) => {
    const victim = cluster.nodes[0] as ChatNodeOnHost;
    const zkHosts = ['zk1', 'zk2', 'zk3'].map((n) => cluster.net.host(n));
    await underChatter(t, 'pz', async (people, placed) => {
      const startMs = Date.now();
      for (const zk of zkHosts) cluster.net.partition(victim.host, zk);
      try {
        await waitFor(async () => (await recordOf(victim)) === undefined, zkSessionTimeoutMs + 10_000, `ZooKeeper to expire ${victim.nodeId}'s session`);
      } finally {
        for (const zk of zkHosts) cluster.net.heal(victim.host, zk);
      }
      const expiredMs = Date.now() - startMs;
      const stranded = people.filter((_, i) => placed[i] === victim.nodeId);
      await waitFor(async () => (await recordOf(victim)) !== undefined, 20_000, `${victim.nodeId} to register again after the partition healed`);
      await waitFor(async () => (await Promise.all(stranded.map((p) => cluster.nodeOf(p.id)))).every((p) => p !== 'nowhere'), 20_000, 'the partitioned node\'s users to have a presence again');
      return `session expired ${expiredMs} ms into the partition; back ${Date.now() - startMs} ms after it began`;
    });
  });

  test('a node partitioned from nginx: its users reconnect to other nodes, and the node ends their sessions', async (t) => {
    const victim = cluster.nodes[1] as ChatNodeOnHost;
    const front = cluster.net.host('front');
    await underChatter(t, 'pc', async (people, placed) => {
      const stranded = people.filter((_, i) => placed[i] === victim.nodeId);
      const startMs = Date.now();
      cluster.net.partition(victim.host, front);
      try {
        await waitFor(async () => {
          const now = await Promise.all(stranded.map((p) => cluster.nodeOf(p.id)));
          return now.every((p) => p !== victim.nodeId && p !== 'nowhere');
        }, 30_000, `${stranded.map((p) => p.name).join(', ')} to log in on another node`);
      } finally {
        cluster.net.heal(victim.host, front);
      }
      const movedMs = Date.now() - startMs;
      const backMs = await waitForNginxToUse(victim, 'pc-probe');
      const kicks = victim.process.output().split('\n').filter((l) => /kick/i.test(l));
      for (const p of stranded) assert.ok(kicks.some((l) => new RegExp(`kicking user \\d+: user ${p.id} logged in on node`).test(l)), `${victim.nodeId} ended ${p.name}'s session (user ${p.id}) when they logged in elsewhere; its kick lines: ${kicks.join('\n')}`);
      return `${stranded.length} users moved off ${victim.nodeId} ${movedMs} ms after the partition began; nginx sent new clients to it again ${backMs} ms after the heal`;
    });
  });

  test('a node\'s host cut off: nginx leaves the node out, its users move to live nodes, and nothing sent is lost', async (t) => {
    const victim = cluster.nodes[2] as ChatNodeOnHost;
    await underChatter(t, 'cl', async (people, placed) => {
      const stranded = people.filter((_, i) => placed[i] === victim.nodeId);
      const startMs = Date.now();
      cluster.net.cutLink(victim.host);
      try {
        await cluster.lb.waitForLine(/upstream dchat has 2 node\(s\).*nginx reloaded/, `an upstream without ${victim.nodeId}`, zkSessionTimeoutMs + 15_000);
        await waitFor(async () => {
          const now = await Promise.all(stranded.map((p) => cluster.nodeOf(p.id)));
          return now.every((p) => p !== victim.nodeId && p !== 'nowhere');
        }, 30_000, `${stranded.map((p) => p.name).join(', ')} to log in on another node`);
      } finally {
        cluster.net.restoreLink(victim.host);
      }
      const movedMs = Date.now() - startMs;
      await waitFor(async () => (await recordOf(victim)) !== undefined, 20_000, `${victim.nodeId} to register again once its link is back`);
      const victimRpc = `provider ${victim.host.address}:7000`;
      const stuckCalls = cluster.nodes.filter((n) => n !== victim).flatMap((n) => n.process.output().split('\n')).filter((l) => l.includes('DEADLINE_EXCEEDED'));
      const onVictim = stuckCalls.filter((l) => l.includes(victimRpc)).length;
      return `${stranded.length} users moved off ${victim.nodeId} within ${movedMs} ms; it registered again ${Date.now() - startMs} ms after the cut; ` +
        `requests of the other nodes failed on a call deadline ${stuckCalls.length} times, ${onVictim} of them on the cut-off node's services`;
    });
  });

  test('a node cut off in the middle of a transaction does not lock its users out: they log in elsewhere within seconds', async (t) => {
    const victim = cluster.nodes[0] as ChatNodeOnHost;
    const clients = cluster.clients[0] ?? assert.fail('no client host');
    const [ann, bob] = [clients.person('tx-ann', requestTimeoutMs), clients.person('tx-bob', requestTimeoutMs)];
    for (const p of [ann, bob]) {
      await p.connect(cluster.front);
      await p.register();
    }
    // What a node's saveMessage holds between its statements: a message row, whose foreign keys
    // lock both users' rows (shared), which a login needs to update (the user's state).
    const hold = `const mysql = require('mysql2/promise');
      mysql.createConnection(${JSON.stringify(cluster.db.url)}).then(async (c) => {
        await c.beginTransaction();
        await c.query('INSERT INTO message (sender_id, recipient_id, body, sent_at) VALUES (?, ?, ?, ?)', [${ann.id}, ${bob.id}, 'held', Date.now()]);
        console.log('holding');
      }, (err) => { console.log(String(err)); process.exit(1); });`;
    const holder = cluster.net.spawnOn(victim.host, process.execPath, ['-e', hold], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => void holder.kill('SIGKILL'));
    let output = '';
    holder.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('holding') || (output !== '' && output), 10_000, `a transaction opened from ${victim.host.name}`);
    assert.equal(output.trim(), 'holding');
    cluster.net.cutLink(victim.host);
    const startMs = Date.now();
    try {
      await reconnect(cluster, ann, () => false);
      const loggedInMs = Date.now() - startMs;
      const place = await waitFor(async () => {
        const now = await cluster.nodeOf(ann.id);
        return now !== 'nowhere' && now;
      }, 10_000, 'tx-ann\'s presence after her login');
      assert.notEqual(place, victim.nodeId);
      t.diagnostic(`tx-ann logged in on ${place} ${loggedInMs} ms after ${victim.host.name} was cut off holding her row`);
    } finally {
      cluster.net.restoreLink(victim.host);
    }
    await waitFor(async () => (await recordOf(victim)) !== undefined, 20_000, `${victim.nodeId} to register again once its link is back`);
  });
});
