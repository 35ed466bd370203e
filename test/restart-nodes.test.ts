// `dchat restart-nodes` on the many-hosts cluster: three chat nodes, each on its own host, kept
// running by a supervisor (the test, standing in for systemd: a node that exits is started again,
// its pid in a file named after its host). The restart command SIGTERMs one node by that file;
// the command must restart the nodes one at a time, each only once the one before registered
// again, and stop at a restart command that fails, naming it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDchat, type DchatRun } from './support/run-dchat.js';
import { startHostsCluster, type HostsCluster } from './support/hosts-cluster.js';

const outputOf = (run: DchatRun): { status: number | null; output: string } => ({ status: run.status, output: `${run.stdout}${run.stderr}` });

describe('dchat restart-nodes', () => {
  let cluster: HostsCluster;
  let dir = '';
  let isStopping = false;
  const starts: string[] = [];

  const pidFile = (address: string): string => join(dir, `${address}.pid`);
  /** Starts node `index` again whenever it exits, as systemd would, until the test ends. */
  const supervise = (index: number): void => {
    const node = cluster.nodes[index] ?? assert.fail(`no node ${index}`);
    writeFileSync(pidFile(node.host.address), `${node.process.pid}\n`);
    void node.process.exited().then(async () => {
      if (isStopping) return;
      await cluster.restartNode(index);
      starts.push(node.nodeId);
      supervise(index);
    });
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dchat-restart-'));
    cluster = await startHostsCluster({ nodes: 3, clientHosts: 0 });
    cluster.nodes.forEach((_, i) => supervise(i));
  });
  after(async () => {
    isStopping = true;
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('restarts every node, one at a time, each once the one before has registered again', async () => {
    const pidsBefore = cluster.nodes.map((n) => n.process.pid);
    const run = outputOf(await runDchat(['restart-nodes', '--zk', cluster.zkServer.connectString, '--restart-command', `kill -TERM $(cat ${dir}/{host}.pid)`, '--timeout-ms', '30000'], { timeoutMs: 120_000 }));
    assert.equal(run.status, 0, run.output);
    const ids = cluster.nodes.map((n) => n.nodeId).sort();
    const events = run.output.split('\n').flatMap((l) => {
      const m = /dchat restart-nodes: (?:restarting (\S+):|(\S+) is back)/.exec(l);
      return m ? [m[1] ? `restarting ${m[1]}` : `back ${m[2]}`] : [];
    });
    assert.deepEqual(events, ids.flatMap((id) => [`restarting ${id}`, `back ${id}`]), `one at a time, in order:\n${run.output}`);
    assert.match(run.output, /restarted 3 node\(s\), one at a time/);
    assert.deepEqual([...starts].sort(), ids, 'each node was started again once');
    cluster.nodes.forEach((n, i) => assert.notEqual(n.process.pid, pidsBefore[i], `${n.nodeId} runs as a new process`));
  });

  test('stops at a restart command that fails, naming it, and restarts no node after it', async () => {
    const startsBefore = starts.length;
    const run = outputOf(await runDchat(['restart-nodes', '--zk', cluster.zkServer.connectString, '--restart-command', 'echo cannot reach {host}; exit 3']));
    assert.equal(run.status, 1, run.output);
    assert.match(run.output, /the restart command `echo cannot reach 10\.213\.\d+\.\d+; exit 3` exited with 3; fix --restart-command or the node/);
    assert.match(run.output, /the nodes after it were not restarted/);
    assert.equal(starts.length, startsBefore);
  });
});
