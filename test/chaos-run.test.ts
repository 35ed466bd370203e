// The chaos run of bench/chaos, short: the deployment dchat up --cluster 3 starts (ZooKeeper ×3,
// MariaDB, three chat nodes under dchat up's supervisor, nginx), 100 people chatting one-to-one
// and in groups through nginx with dchat's client library, and in 30 s every kind of fault once:
// kill -9 of a node, kill of the ZooKeeper leader, expiry of a node's session, MariaDB killed
// and started again, a node cut off from ZooKeeper. Every message answered "sent" must be shown
// exactly once to each recipient. Latencies are printed, not asserted: the machine is shared,
// and the full run (docs/reliability.md, "Chaos run") holds the latency targets.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { faultKinds } from '../bench/chaos/chaos-faults.js';
import { reportLines } from '../bench/chaos/chaos-report.js';
import { runChaos } from '../bench/chaos/chaos-run.js';
import { assertInstalled } from './support/test-services.js';

test('a short chaos run: every kind of fault once, and every message answered "sent" is shown exactly once to each recipient', async (t) => {
  assertInstalled(['zookeeper', 'mariadb-server', 'nginx-light', 'libnginx-mod-stream']);
  const dir = mkdtempSync(join(tmpdir(), 'dchat-chaos-test-'));
  const seed = Date.now() % 1_000_000;
  const progress: string[] = [];
  try {
    const result = await runChaos({
      dir,
      nodes: 3,
      clients: 100,
      durationS: 30,
      faultEveryS: 5,
      ratePerS: 20,
      groupSize: 5,
      groupShare: 0.3,
      cutMs: 3_000,
      settleMs: 2_000,
      drainTimeoutMs: 30_000,
      restartBackoffMs: 1_000,
      kinds: faultKinds,
      seed,
      log: (line) => progress.push(line),
    });
    for (const line of reportLines(result)) t.diagnostic(line);
    t.diagnostic(`seed ${seed}; setup ${result.setupS.toFixed(1)} s, traffic ${result.trafficS.toFixed(1)} s; load average ${result.loadAverage.atEnd.join(', ')}`);
    const { tally } = result;
    const context = `(seed ${seed}; ${tally.examples.slice(0, 3).join('; ') || 'no examples'})`;
    assert.deepEqual(result.windows.map((w) => w.error).filter(Boolean), [], 'every fault healed');
    assert.deepEqual([...new Set(result.windows.map((w) => w.kind))].sort(), [...faultKinds].sort(), 'every kind of fault was injected');
    for (const phase of tally.phases) assert.ok(phase.deliveries > 0, `messages were shown in phase ${phase.phase} ${context}`);
    assert.equal(tally.lost, 0, `no message answered "sent" is lost ${context}`);
    assert.equal(tally.shownTwice, 0, `no message is shown twice ${context}`);
    assert.equal(tally.strangers, 0, `nobody is shown a message not sent to them ${context}`);
  } catch (err) {
    t.diagnostic(`progress of the run (seed ${seed}):\n${progress.join('\n')}`);
    throw err;
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
});
