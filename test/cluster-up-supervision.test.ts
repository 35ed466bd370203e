// `dchat up --cluster 3` supervises what it started: a chat node killed with -9 is reported on
// dchat up's console at once (name, pid, exit status, the end of its log) and started again on its
// port, where it registers in /dchat/nodes anew; `dchat down` then counts and lists every process
// it stops, the restarted node under its new pid.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { clusterSecretFrom } from '../src/base/cluster-secret.js';
import { ZkSession } from '../src/zk/zk-session.js';
import { isAlive, startDchatUp, type DchatUpRun, type UpStateFile } from './support/dchat-up.js';
import { runDchat } from './support/run-dchat.js';
import { waitFor } from './support/wait.js';

/** The issue asks for the report "at once": the exit event, not a poll of /proc. */
const reportBoundMs = 2_000;

let run: DchatUpRun | undefined;
let dir = '';
const upOutput = (): string => run?.output() ?? '';

/** Rethrows a wait's failure with what dchat up printed until then. */
const withUpOutput = (err: unknown): never => {
  throw new Error(`${err instanceof Error ? err.message : String(err)}; dchat up printed:\n${upOutput()}`);
};

const readStateFile = (): UpStateFile => {
  if (!run) throw new Error('dchat up did not start');
  return run.state();
};

before(async () => {
  run = await startDchatUp(3, 'dchat-supervise-');
  dir = run.dir;
});

after(async () => {
  await run?.stop();
});

test('a chat node killed with -9 is reported at once and restarted on its port, registered anew in /dchat/nodes', async (t) => {
  const node = readStateFile().processes.find((p) => p.name === 'chat node 2');
  assert.ok(node && node.port, 'chat node 2 is recorded with its port');
  const zk = await ZkSession.connect({ connectString: readStateFile().zk, digests: clusterSecretFrom({ file: join(dir, 'cluster-secret') })?.zkDigests() ?? [] });
  try {
    const path = `/dchat/nodes/127.0.0.1:${node.port}`;
    const ownerBefore = (await zk.exists(path))?.ephemeralOwner;
    assert.ok(ownerBefore, `${path} is registered before the kill`);

    process.kill(node.pid, 'SIGKILL');
    const killedAt = Date.now();
    const report = new RegExp(`\\[up\\] chat node 2 \\(pid ${node.pid}\\) exited \\(signal SIGKILL\\); the last lines of its log \\S+server\\.log:\\n(    \\| .*\\n)+`);
    await waitFor(() => report.test(upOutput()), reportBoundMs, `dchat up to report the death of chat node 2 (pid ${node.pid}) within ${reportBoundMs} ms`).catch(withUpOutput);
    const reportedMs = Date.now() - killedAt;
    assert.match(upOutput(), /\[up\] restarting chat node 2 in 1\.0 s \(restart 1 in a row\)/);

    const restarted = await waitFor(() => /\[up\] chat node 2 restarted on 127\.0\.0\.1:(\d+) \(pid (\d+);/.exec(upOutput()) ?? undefined, 60_000, `dchat up to restart chat node 2`).catch(withUpOutput);
    const newPid = Number(restarted[2]);
    assert.equal(Number(restarted[1]), node.port, 'the node is back on its port');
    assert.notEqual(newPid, node.pid);
    assert.ok(isAlive(newPid), `the restarted node (pid ${newPid}) runs`);
    assert.equal(readStateFile().processes.find((p) => p.name === 'chat node 2')?.pid, newPid, 'cluster.json has the new pid');
    await waitFor(async () => {
      const owner = (await zk.exists(path))?.ephemeralOwner;
      return owner !== undefined && owner !== ownerBefore;
    }, 15_000, `the restarted chat node 2 to register ${path} in a session of its own`);
    t.diagnostic(`death reported ${reportedMs} ms after the kill; node registered again ${Date.now() - killedAt} ms after it`);
  } finally {
    await zk.close();
  }
});

test('dchat down lists every process it counts, the restarted node under its new pid', async () => {
  const state = readStateFile();
  const down = await runDchat(['down', '--dir', dir], { timeoutMs: 90_000 });
  assert.equal(down.status, 0, down.stdout + down.stderr);
  assert.match(down.stdout, /is stopped \(9 processes stopped\)/);
  const listed = [...down.stdout.matchAll(/stopped (nginx|dchat lb|chat node \d|MariaDB|ZooKeeper \d) \(pid (\d+)\)/g)].map((m) => `${m[1]}:${m[2]}`);
  assert.deepEqual(listed.sort(), state.processes.map((p) => `${p.name}:${p.pid}`).sort(), `dchat down lists the 9 processes it counts:\n${down.stdout}`);
  assert.equal(await run?.exited, 0, upOutput());
  assert.deepEqual(state.processes.map((p) => p.pid).filter(isAlive), [], 'no recorded pid runs');
  assert.doesNotMatch(upOutput().slice(upOutput().indexOf('stopping the cluster')), /\[up\] .* exited/, 'the stop is not reported as deaths');
});
