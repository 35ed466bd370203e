// `dchat up --cluster 2` as a real process: ZooKeeper ×3, MariaDB, two chat nodes, dchat lb and
// nginx, all from one directory. Two users connect through nginx, land on different nodes, and
// chat; then `dchat down` stops everything, and every pid of the state file is gone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { isDchatError } from '../src/base/dchat-error.js';
import { join } from 'node:path';
import { clusterSecretFrom } from '../src/base/cluster-secret.js';
import { ZkSession } from '../src/zk/zk-session.js';
import { ChatUser } from './support/chat-user.js';
import { fetchOps } from './support/dchat-process.js';
import { isAlive, startDchatUp, type DchatUpRun, type UpStateFile } from './support/dchat-up.js';
import { runDchat } from './support/run-dchat.js';
import { waitFor } from './support/wait.js';

let run: DchatUpRun | undefined;
let dir = '';
let state: UpStateFile | undefined;
const users: ChatUser[] = [];
const upOutput = (): string => run?.output() ?? '';

before(async () => {
  run = await startDchatUp(2, 'dchat-cluster-');
  dir = run.dir;
  state = run.state();
});

after(async () => {
  for (const user of users) user.close();
  await run?.stop();
});

test('dchat up --cluster 2 shows each step and records every process with its pid in one state file', () => {
  assert.ok(state);
  for (const step of [1, 2, 3, 4, 5, 6, 7]) assert.match(upOutput(), new RegExp(`\\[${step}/7\\] `), `step ${step} is shown`);
  assert.match(upOutput(), /\[2\/7\] ZooKeeper ensemble of 3 ready on 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+ \(pids \d+, \d+, \d+\)/);
  assert.match(upOutput(), /\[3\/7\] MariaDB ready on 127\.0\.0\.1:\d+ \(pid \d+/);
  assert.match(upOutput(), new RegExp(`npx dchat client --server ${state.entry.replace(/\./g, '\\.')}`));
  const roles = state.processes.map((p) => p.role).sort();
  assert.deepEqual(roles, ['chat-node', 'chat-node', 'lb', 'mariadb', 'nginx', 'zookeeper', 'zookeeper', 'zookeeper']);
  for (const proc of state.processes) assert.ok(isAlive(proc.pid), `${proc.name} (pid ${proc.pid}) runs`);
});

test('dchat up --cluster 2 serves metrics and health on each chat node and dchat lb, writes a scrape config, and logs no secret', async () => {
  assert.ok(state);
  const listed = /Metrics for Prometheus \(also \/healthz, \/readyz\): (.*); a scrape config for them: (\S+)/.exec(upOutput());
  assert.ok(listed, `dchat up printed the metrics addresses:\n${upOutput()}`);
  const urls = (listed[1] ?? '').split(', ');
  assert.equal(urls.length, 3, 'two chat nodes and dchat lb');
  const token = readFileSync(join(dir, 'metrics-token'), 'utf8').trim();
  for (const url of urls) {
    assert.equal((await fetch(url)).status, 401, `${url} asks for the bearer token`);
    assert.match(await (await fetchOps(url, token)).text(), /^process_cpu_seconds_total /m, `${url} serves metrics`);
    const ready = await fetchOps(url.replace(/\/metrics$/, '/readyz'), token);
    assert.equal(ready.status, 200, `${url}: ${await ready.text()}`);
  }
  const config = readFileSync(listed[2] ?? '', 'utf8');
  for (const url of urls) assert.ok(config.includes(`'${new URL(url).host}'`), `the scrape config lists ${url}`);
  const dbPassword = /^mysql:\/\/dchat:([^@]+)@/.exec((JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { db: string }).db)?.[1] ?? '';
  const secret = readFileSync(join(dir, 'cluster-secret'), 'utf8').trim();
  assert.ok(dbPassword.length > 0 && secret.length > 0);
  for (const log of [join(dir, 'node-1', 'server.log'), join(dir, 'node-2', 'server.log'), join(dir, 'lb.log')]) {
    const text = readFileSync(log, 'utf8');
    assert.equal(text.includes(dbPassword), false, `${log} holds the database password`);
    assert.equal(text.includes(secret), false, `${log} holds the cluster secret`);
  }
});

test('dchat up --cluster 2 reports a chat node that cannot reach its store as not ready, and ready again once it can', async () => {
  assert.ok(state);
  const mariadb = state.processes.find((p) => p.role === 'mariadb');
  assert.ok(mariadb);
  const seen = upOutput().length;
  process.kill(mariadb.pid, 'SIGSTOP');
  try {
    await waitFor(() => /\[up\] chat node 1 is not ready \(http:\/\/127\.0\.0\.1:\d+\/readyz\): store unreachable: no answer within 2000 ms/.test(upOutput().slice(seen)), 15_000, `dchat up to report chat node 1 not ready while MariaDB is stopped; it printed:\n${upOutput().slice(seen)}`);
  } finally {
    process.kill(mariadb.pid, 'SIGCONT');
  }
  await waitFor(() => /\[up\] chat node 1 is ready again/.test(upOutput().slice(seen)), 15_000, `dchat up to report chat node 1 ready again; it printed:\n${upOutput().slice(seen)}`);
});

test('dchat up --cluster 2 is secured with no extra step: no password-less MariaDB root, RPC and znodes behind the cluster secret', async () => {
  assert.ok(state);
  const db = (JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { db: string }).db;
  assert.match(db, /^mysql:\/\/dchat:[^@]+@127\.0\.0\.1:\d+\/dchat$/);
  const port = Number(/:(\d+)\/dchat$/.exec(db)?.[1]);
  await assert.rejects(mysql.createConnection({ host: '127.0.0.1', port, user: 'root' }), (err: unknown) => (err as { code?: string }).code === 'ER_ACCESS_DENIED_ERROR');
  assert.equal((statSync(join(dir, 'cluster-secret')).mode & 0o777).toString(8), '600');
  assert.equal((statSync(join(dir, 'mariadb', 'credentials.json')).mode & 0o777).toString(8), '600');
  const outsider = await ZkSession.connect({ connectString: state.zk });
  try {
    await assert.rejects(outsider.getChildren('/dchat/nodes'), (err: unknown) => isDchatError(err, 'DCHAT_ZK_NO_AUTH'));
  } finally {
    await outsider.close();
  }
  for (const proc of state.processes.filter((p) => p.role === 'chat-node' || p.role === 'lb')) {
    assert.doesNotMatch(readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8'), /cluster-secret[^-]|DCHAT_CLUSTER_SECRET=/, `${proc.name}'s command line holds no secret`);
  }
});

test('dchat up refuses a directory whose cluster still runs, naming dchat down', async () => {
  const second = await runDchat(['up', '--cluster', '1', '--dir', dir, '--port', '0']);
  assert.equal(second.status, 1);
  assert.match(second.stderr, new RegExp(`a cluster already runs from ${dir} .*dchat down --dir ${dir}`));
});

test('two users on different chat nodes chat through nginx', async () => {
  assert.ok(state);
  const [host, portText] = state.entry.split(':');
  const zk = await ZkSession.connect({ connectString: state.zk, digests: clusterSecretFrom({ file: join(dir, 'cluster-secret') })?.zkDigests() ?? [] });
  try {
    // nginx has a round-robin per worker: a few users are enough to fill both nodes.
    const byNode = new Map<string, ChatUser>();
    for (let i = 0; i < 8 && byNode.size < 2; i++) {
      const user = await ChatUser.registered(`user${i}`, host ?? '', Number(portText));
      users.push(user);
      const login = await user.login();
      assert.equal(login.status, 0, login.errorText);
      const presence = await waitFor(() => zk.getData(`/dchat/presence/${user.id}`), 10_000, `presence of user${i} in ZooKeeper`);
      const nodeId = (JSON.parse(presence.data.toString('utf8')) as { nodeId: string }).nodeId;
      if (!byNode.has(nodeId)) byNode.set(nodeId, user);
    }
    assert.equal(byNode.size, 2, `nginx sent ${users.length} users to one node only: ${[...byNode.keys()].join(', ')}`);
    const [alice, bob] = [...byNode.values()] as [ChatUser, ChatUser];
    const sent = await alice.client.call({ chat: { toId: bob.id, text: 'hello from the other node' } });
    const got = await bob.waitForMessage('hello from the other node', 10_000);
    assert.equal(got.id, sent.sent?.messageId);
    assert.equal(got.fromId, alice.id);
    await bob.client.call({ chat: { toId: alice.id, text: 'and back again' } });
    await alice.waitForMessage('and back again', 10_000);
  } finally {
    await zk.close();
  }
});

test('dchat down stops every recorded process and the dchat up that started them', async () => {
  assert.ok(state);
  for (const user of users) user.close();
  const down = await runDchat(['down', '--dir', dir], { timeoutMs: 90_000 });
  assert.equal(down.status, 0, down.stdout + down.stderr);
  assert.match(down.stdout, /the cluster of .* is stopped \(8 processes stopped\)/);
  assert.equal(down.stdout.match(/stopped (nginx|dchat lb|chat node \d|MariaDB|ZooKeeper \d) \(pid \d+\)/g)?.length, 8, `dchat down lists the 8 processes it counts:\n${down.stdout}`);
  assert.equal(await run?.exited, 0, `dchat up exits 0 after dchat down:\n${upOutput()}`);
  const alive = [state.supervisorPid, ...state.processes.map((p) => p.pid)].filter(isAlive);
  assert.deepEqual(alive, [], 'no recorded pid is still running');
  assert.equal(existsSync(join(dir, 'cluster.json')), false, 'the state file is gone');
  const again = await runDchat(['down', '--dir', dir]);
  assert.equal(again.status, 0);
  assert.match(again.stdout, /no cluster runs from/);
});
