// The trust boundary under attack (docs/security.md). Each test is one attack from outside the
// cluster, against real `dchat server` processes, real ZooKeeper and real MariaDB: it must fail,
// and the victim must say so in its log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { ClusterSecret } from '../src/base/cluster-secret.js';
import { isDchatError } from '../src/base/dchat-error.js';
import { dchat } from '../src/gen/proto.js';
import { RpcChannel } from '../src/rpc/rpc-channel.js';
import { RpcController } from '../src/rpc/rpc-controller.js';
import { StaticRegistry } from '../src/rpc/static-registry.js';
import { ZkSession } from '../src/zk/zk-session.js';
import { ChatUser } from './support/chat-user.js';
import { listeningPorts } from './support/listening-ports.js';
import { startDchatServer, testClusterSecret, type DchatProcess } from './support/dchat-process.js';
import { runDchat } from './support/run-dchat.js';
import { startTestCluster, type TestCluster } from './support/test-cluster.js';
import { waitFor } from './support/wait.js';

/** CPU time (user + system) of a process so far, in milliseconds. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

/** A TCP server that records every byte it is sent and answers nothing: a rogue provider or a relay's ear. */
async function startRecorder(): Promise<{ server: Server; port: number; bytes: () => Buffer; connections: () => number }> {
  const chunks: Buffer[] = [];
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { server, port, bytes: () => Buffer.concat(chunks), connections: () => connections };
}

/** A relay that forwards both ways between its clients and `target`, recording what passes. */
async function startRelay(targetPort: number): Promise<{ server: Server; port: number; seen: () => Buffer; upstreams: Socket[] }> {
  const seen: Buffer[] = [];
  const upstreams: Socket[] = [];
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    upstreams.push(upstream);
    client.on('data', (chunk) => {
      seen.push(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      seen.push(chunk);
      client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, seen: () => Buffer.concat(seen), upstreams };
}

/** Resolves once the peer has closed `socket`; rejects naming `what` after timeoutMs. */
function closedByPeer(socket: Socket, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    socket.once('close', done);
    socket.on('error', () => {});
  });
}

describe('a standalone node', () => {
  let node: DchatProcess | undefined;
  before(async () => {
    node = await startDchatServer(['--password-cost', 'test']);
  });
  after(async () => {
    await node?.stop();
  });

  test('opens its chat port and no other (its services are called in-process)', () => {
    assert.ok(node);
    assert.deepEqual(listeningPorts(node.pid), [node.port]);
    assert.match(node.output(), /rpc none/);
  });

  test('keeps its SQLite database readable by its own user only: the file 0600 in a 0700 folder', () => {
    assert.ok(node);
    assert.equal((statSync(node.dataDir).mode & 0o777).toString(8), '700');
    assert.equal((statSync(join(node.dataDir, 'dchat.sqlite')).mode & 0o777).toString(8), '600');
  });
});

describe('a cluster', () => {
  let cluster: TestCluster | undefined;
  let outsider: ZkSession | undefined;
  const rpcAddressOf = async (node: DchatProcess): Promise<string> => {
    assert.ok(cluster);
    const ids = await cluster.zk.getChildren('/dchat/nodes');
    for (const id of ids) {
      const entry = JSON.parse((await cluster.zk.getData(`/dchat/nodes/${id}`))!.data.toString('utf8')) as { clientAddress: string; rpcAddress: string };
      if (entry.clientAddress === `${node.host}:${node.port}`) return entry.rpcAddress;
    }
    throw new Error(`node ${node.host}:${node.port} is not in /dchat/nodes`);
  };

  before(async () => {
    cluster = await startTestCluster({ nodes: 2 });
    outsider = await ZkSession.connect({ connectString: cluster.zkServer.connectString });
  });
  after(async () => {
    await outsider?.close();
    await cluster?.stop();
  });

  test('a node started without the cluster secret stops with one line saying how to get it', async () => {
    assert.ok(cluster);
    const run = await runDchat(['server', '--port', '0', '--zk', cluster.zkServer.connectString, '--db', cluster.db.url], {
      env: { ...process.env, DCHAT_CLUSTER_SECRET: '' },
    });
    assert.equal(run.status, 1);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /needs the cluster secret: pass --cluster-secret-file FILE .*dchat secret new FILE/);
  });

  test("ZooKeeper refuses whoever lacks the cluster's credentials: no reading, registering, faking a node or presence, or deleting", async () => {
    assert.ok(cluster && outsider);
    const user = await ChatUser.registered('zoe', cluster.nodes[0]!.host, cluster.nodes[0]!.port);
    try {
      await user.login();
      await waitFor(() => cluster!.zk.exists(`/dchat/presence/${user.id}`), 5000, "zoe's presence");
      const rpcAddress = await rpcAddressOf(cluster.nodes[0]!);
      const noAuth = (err: unknown): boolean => isDchatError(err, 'DCHAT_ZK_NO_AUTH');
      await assert.rejects(outsider.getChildren('/UserServiceRpc'), noAuth);
      await assert.rejects(outsider.getData(`/dchat/presence/${user.id}`), noAuth);
      await assert.rejects(outsider.create('/UserServiceRpc/127.0.0.1:1', Buffer.from('{}'), { mode: 'ephemeral' }), noAuth);
      const fakeNode = { nodeId: 'rogue', clientAddress: '127.0.0.1:1', rpcAddress: '127.0.0.1:1', startedAtMs: 0, weight: 1000 };
      await assert.rejects(outsider.create('/dchat/nodes/rogue', Buffer.from(JSON.stringify(fakeNode)), { mode: 'ephemeral' }), noAuth);
      await assert.rejects(outsider.setData(`/dchat/presence/${user.id}`, Buffer.from('{"nodeId":"rogue","rpcAddress":"127.0.0.1:1"}')), noAuth);
      await assert.rejects(outsider.delete(`/UserServiceRpc/${rpcAddress}`), noAuth);
      await assert.rejects(outsider.delete(`/dchat/presence/${user.id}`), noAuth);
      assert.ok(await cluster.zk.exists(`/UserServiceRpc/${rpcAddress}`), 'the registration is still there');
    } finally {
      user.close();
    }
  });

  test('dchat zk without the credentials is refused dchat\'s znodes, naming how to give them; with them it lists them', async () => {
    assert.ok(cluster);
    const zkArgs = ['zk', '--zk', cluster.zkServer.connectString, 'ls', '/dchat/nodes'];
    const without = await runDchat(zkArgs, { env: { ...process.env, DCHAT_CLUSTER_SECRET: '' } });
    assert.equal(without.status, 1);
    assert.match(without.stderr, /not authorised by the znode's ACL; dchat's znodes need the cluster's credentials \(--cluster-secret-file/);
    const withSecret = await runDchat(zkArgs);
    assert.equal(withSecret.status, 0, withSecret.stderr);
    assert.equal(withSecret.stdout.trim().split('\n').length, 2, withSecret.stdout);
  });

  test('a provider registration deleted while the provider lives is put back within seconds', async () => {
    assert.ok(cluster);
    const rpcAddress = await rpcAddressOf(cluster.nodes[1]!);
    const path = `/UserServiceRpc/${rpcAddress}`;
    await cluster.zk.delete(path);
    await waitFor(() => cluster!.zk.exists(path), 5000, `${path} to be put back by its provider`);
    await waitFor(() => /was deleted while this provider is up: putting it back/.test(cluster!.nodes[1]!.output()), 5000, 'the provider to log that it put its registration back');
  });

  test('a rogue provider in the registry never receives a request: logins go elsewhere and no password reaches it', async () => {
    assert.ok(cluster);
    const rogue = await startRecorder();
    const path = `/UserServiceRpc/127.0.0.1:${rogue.port}`;
    // As if ZooKeeper's ACLs had been got round: the registry lists the rogue beside the real providers.
    await cluster.zk.create(path, Buffer.from('{}'));
    const users: ChatUser[] = [];
    // A node that hosts no services of its own calls the user service's providers as listed.
    const node = await cluster.startNode(['--services', 'none']);
    try {
      await waitFor(() => cluster!.zk.getChildren('/UserServiceRpc').then((c) => c.includes(`127.0.0.1:${rogue.port}`)), 5000, 'the rogue entry to be listed');
      for (let i = 0; i < 12; i++) {
        const user = await ChatUser.registered(`victim${i}`, node.host, node.port);
        users.push(user);
        const res = await user.login();
        assert.equal(res.status, dchat.Status.OK, res.errorText);
      }
      assert.ok(rogue.connections() > 0, 'the node did try the rogue provider');
      const seen = rogue.bytes();
      for (const user of users) assert.equal(seen.includes(Buffer.from(`${user.name}-secret`)), false, `the rogue saw ${user.name}'s password`);
      assert.equal(seen.includes(Buffer.from('UserServiceRpc')), false, 'the rogue saw a request in clear');
      await waitFor(() => new RegExp(`provider 127.0.0.1:${rogue.port} left out until it answers again`).test(node.output()), 5000, 'the node to log why it left the rogue provider out');
    } finally {
      for (const user of users) user.close();
      await node.stop();
      await cluster.zk.delete(path);
      rogue.server.close();
    }
  });

  test('a relay between two nodes reads nothing of what passes and cannot inject a call', async () => {
    assert.ok(cluster);
    const [first, second] = cluster.nodes as [DchatProcess, DchatProcess];
    const alice = await ChatUser.registered('alice', first.host, first.port);
    const bob = await ChatUser.registered('bob', second.host, second.port);
    const relay = await startRelay(Number((await rpcAddressOf(second)).split(':')[1]));
    try {
      await alice.login();
      await alice.client.call({ addFriend: { friendId: bob.id } });
      await bob.login();
      const presencePath = `/dchat/presence/${bob.id}`;
      const presence = await waitFor(() => cluster!.zk.getData(presencePath), 5000, "bob's presence");
      // As if ZooKeeper had been got round: bob's presence now points the first node at the relay.
      const entry = JSON.parse(presence.data.toString('utf8')) as Record<string, unknown>;
      await cluster.zk.setData(presencePath, Buffer.from(JSON.stringify({ ...entry, rpcAddress: `127.0.0.1:${relay.port}` })));
      const text = 'the relay must not read this';
      const sent = await alice.client.call({ chat: { toId: bob.id, text } });
      assert.equal(sent.status, dchat.Status.OK, sent.errorText);
      await bob.waitForMessage(text, 10_000);
      const seen = relay.seen();
      assert.ok(seen.length > 0, 'the message went through the relay');
      assert.equal(seen.includes(Buffer.from(text)), false, 'the relay read the message');
      // The relay writes a request of its own into the provider's side: TLS rejects it and the provider closes.
      const upstream = relay.upstreams.at(-1)!;
      const header = dchat.rpc.RpcHeader.encode({ serviceName: 'OfflineServiceRpc', methodName: 'PullPending', callId: 99, argsSize: 0 }).finish();
      const frame = Buffer.alloc(8 + header.length);
      frame.writeUInt32BE(4 + header.length, 0);
      frame.writeUInt32BE(header.length, 4);
      Buffer.from(header).copy(frame, 8);
      const closed = closedByPeer(upstream, 5000, 'the provider to close the connection the relay wrote into');
      upstream.write(frame);
      await closed;
    } finally {
      alice.close();
      bob.close();
      relay.server.close();
    }
  });

  test('before authentication the RPC port holds nothing: a 16 MiB frame is refused at once, a silent peer within the handshake timeout, and the log says so once', async () => {
    assert.ok(cluster);
    const node = cluster.nodes[0]!;
    const [host, port] = (await rpcAddressOf(node)).split(':') as [string, string];
    const logLinesBefore = node.output().split('\n').filter((l) => /refused a connection from 127\.0\.0\.1/.test(l)).length;
    const floods: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      const socket = connect({ host, port: Number(port) });
      const closed = closedByPeer(socket, 3000, `flooding connection ${i} to be closed by the provider`);
      const header = Buffer.alloc(8);
      header.writeUInt32BE(16 * 1024 * 1024, 0);
      header.writeUInt32BE(16, 4);
      socket.write(Buffer.concat([header, Buffer.alloc(64 * 1024, 0x41)]));
      floods.push(closed);
    }
    await Promise.all(floods);
    const silent = connect({ host, port: Number(port) });
    await closedByPeer(silent, 9000, 'a connection that never starts its handshake to be closed');
    const logLines = node.output().split('\n').filter((l) => /refused a connection from 127\.0\.0\.1/.test(l));
    assert.equal(logLines.length - logLinesBefore, 1, `refusals are logged once per source: ${logLines.join('\n')}`);
    assert.match(logLines.at(-1) ?? '', /TLS handshake failed \(not TLS\)/);
  });

  test('a call with the largest deadline leaves no timer behind: no overflow warning, and the node idles', async () => {
    assert.ok(cluster);
    const node = cluster.nodes[1]!;
    const channel = new RpcChannel({ registry: new StaticRegistry([await rpcAddressOf(node)]), credentials: ClusterSecret.of([testClusterSecret], 'test') });
    try {
      const reply = await channel.stub(dchat.UserServiceRpc, new RpcController(2 ** 32 - 1)).getUser({ id: 1 });
      assert.ok(reply);
    } finally {
      await channel.close();
    }
    const before = cpuMs(node.pid);
    const idleFrom = Date.now();
    await waitFor(() => Date.now() - idleFrom >= 3000, 5000, 'three seconds of idling');
    const used = cpuMs(node.pid) - before;
    assert.ok(used < 300, `the idle node used ${used} ms of CPU in 3 s after the call`);
    assert.doesNotMatch(node.output(), /TimeoutOverflowWarning/);
  });
});
