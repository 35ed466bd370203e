// Stopping a local cluster when `dchat up` cannot do it in order: Ctrl-C (SIGINT) makes it stop
// everything itself; after a `kill -9` of it, the processes it started keep running (they are
// detached) and `dchat down` stops them by the pids of the state file.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, startDchatUp, type DchatUpRun, type UpStateFile } from './support/dchat-up.js';
import { runDchat } from './support/run-dchat.js';
import { waitFor } from './support/wait.js';

interface RunningCluster extends Pick<DchatUpRun, 'dir' | 'up' | 'output' | 'exited'> {
  /** cluster.json as it was when the cluster was ready. */
  readonly state: UpStateFile;
}

/** `dchat up --cluster 1` in a fresh directory; everything it recorded is killed when the test ends. */
async function startCluster(t: TestContext): Promise<RunningCluster> {
  const run = await startDchatUp(1, 'dchat-down-');
  t.after(() => run.stop());
  // run.state() reads the file, which `dchat down` removes: the tests keep the snapshot of the ready cluster.
  return { dir: run.dir, up: run.up, output: run.output, exited: run.exited, state: run.state() };
}

test('Ctrl-C stops every process of the cluster, nginx first and ZooKeeper last, and removes the state file', async (t) => {
  const cluster = await startCluster(t);
  cluster.up.kill('SIGINT');
  assert.equal(await cluster.exited, 0, cluster.output());
  const stops = [...cluster.output().matchAll(/stopped (nginx|dchat lb|chat node \d|MariaDB|ZooKeeper \d) \(pid \d+\)/g)].map((m) => m[1]);
  assert.deepEqual(stops.slice(0, 4), ['nginx', 'dchat lb', 'chat node 1', 'MariaDB'], cluster.output());
  assert.deepEqual(stops.slice(4).sort(), ['ZooKeeper 1', 'ZooKeeper 2', 'ZooKeeper 3']);
  assert.deepEqual(cluster.state.processes.map((p) => p.pid).filter(isAlive), [], 'no recorded pid runs');
  assert.equal(existsSync(join(cluster.dir, 'cluster.json')), false);
});

test('after dchat up is killed with -9, its processes keep running and dchat down stops them by their recorded pids, naming the one that had died', async (t) => {
  const cluster = await startCluster(t);
  cluster.up.kill('SIGKILL');
  await cluster.exited;
  const pids = cluster.state.processes.map((p) => p.pid);
  assert.deepEqual(pids.filter((pid) => !isAlive(pid)), [], 'the detached processes outlive dchat up');
  const node = cluster.state.processes.find((p) => p.name === 'chat node 1');
  assert.ok(node);
  process.kill(node.pid, 'SIGKILL');
  await waitFor(() => !isAlive(node.pid), 5_000, `chat node 1 (pid ${node.pid}) to die`);
  const down = await runDchat(['down', '--dir', cluster.dir], { timeoutMs: 90_000 });
  assert.equal(down.status, 0, down.stdout + down.stderr);
  assert.doesNotMatch(down.stdout, /asking dchat up/, 'the dead dchat up is not asked');
  assert.match(down.stdout, /stopped nginx \(pid \d+\)[\s\S]*stopped ZooKeeper/);
  assert.match(down.stdout, new RegExp(`chat node 1 \\(pid ${node.pid}\\) had exited already`));
  assert.match(down.stdout, /is stopped \(6 processes stopped; 1 had exited already\)/);
  assert.equal(down.stdout.match(/stopped (nginx|dchat lb|chat node \d|MariaDB|ZooKeeper \d) \(pid \d+\)/g)?.length, 6, `dchat down lists the 6 processes it counts:\n${down.stdout}`);
  assert.deepEqual(pids.filter(isAlive), [], 'no recorded pid runs');
});
