// End to end: the real `dchat console` on a real terminal (tmux) watching a real ZooKeeper with a
// real cluster node (`dchat server --zk`) registered in it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { ChatUser } from './support/chat-user.js';
import { runDchat } from './support/run-dchat.js';
import { startDchatInTmux, type TmuxScreen } from './support/tmux-screen.js';
import { waitFor } from './support/wait.js';
import { startZooKeeper, type ZkServerHandle } from './support/zookeeper.js';

describe('dchat console', () => {
  let zk: ZkServerHandle;
  let node: DchatProcess;
  let logDir: string;
  before(async () => {
    zk = await startZooKeeper();
    node = await startDchatServer(['--zk', zk.connectString, '--node-id', 'node-tmux-1']);
    logDir = mkdtempSync(join(tmpdir(), 'dchat-console-'));
  });
  after(async () => {
    await node?.stop();
    await zk?.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  test('without --zk it explains that it shows a cluster and how to start one', async () => {
    const env = { ...process.env };
    delete env['DCHAT_ZK'];
    const run = await runDchat(['console'], { env });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /give it --zk/);
    assert.match(run.stderr, /dchat up --cluster 3/);
  });

  test('shows the node, its providers and the users online, follows a login, and q gives the terminal back', async () => {
    let screen: TmuxScreen | undefined;
    let ann: ChatUser | undefined;
    try {
      screen = await startDchatInTmux(['console', '--zk', zk.connectString, '--refresh-ms', '500'], { env: { DCHAT_LOG_FILE: join(logDir, 'console.log') }, columns: 140, rows: 40 });
      await screen.waitForScreen(/node-tmux-1\s+up\s+127\.0\.0\.1:\d+\s+127\.0\.0\.1:\d+/, "the node's row in the node table");
      await screen.waitForScreen(/UserServiceRpc\s+127\.0\.0\.1:\d+/, 'the provider of UserServiceRpc');
      await screen.waitForScreen(/online users\s+0/, 'no one online yet');

      ann = await ChatUser.registered('ann', node.host, node.port);
      await ann.login();
      await screen.waitForScreen(/online users\s+1/, "ann's login counted through the presence watch");

      await screen.sendKeys('q');
      await waitFor(async () => !(await screen?.isRunning()), 10_000, 'the console to exit on q');
    } finally {
      ann?.close();
      await screen?.stop();
    }
  });

  interface OnceNode { nodeId: string; state: string; users: number }
  interface OnceJson { nodes: OnceNode[]; onlineUsers: number; totals: { nodes: number; staleNodes: number; users: number } }

  async function once(): Promise<OnceJson> {
    const run = await runDchat(['console', '--zk', zk.connectString, '--once', '--json']);
    assert.equal(run.status, 0, `dchat console --once --json: ${run.stderr}`);
    return JSON.parse(run.stdout) as OnceJson;
  }

  test('--once --json prints one snapshot for scripts, --once a table', async () => {
    let bob: ChatUser | undefined;
    try {
      bob = await ChatUser.registered('bob', node.host, node.port);
      await bob.login();
      const snapshot = await waitFor(async () => {
        const read = await once();
        return read.nodes.find((n) => n.nodeId === 'node-tmux-1' && n.users === 1) ? read : undefined;
      }, 15_000, 'the node reporting bob logged in');
      assert.equal(snapshot.nodes.find((n) => n.nodeId === 'node-tmux-1')?.state, 'up');
      assert.equal(snapshot.onlineUsers, 1);
      const table = await runDchat(['console', '--zk', zk.connectString, '--once']);
      assert.equal(table.status, 0, table.stderr);
      assert.match(table.stdout, /^node\s+state\s+client address\s+rpc address\s+conns\s+users/);
      assert.match(table.stdout, /node-tmux-1\s+up\s+127\.0\.0\.1:\d+\s+127\.0\.0\.1:\d+\s+\d+\s+1\s/);
      assert.match(table.stdout, /UserServiceRpc\s+127\.0\.0\.1:\d+/);
    } finally {
      bob?.close();
    }
  });

  test('a node that stops reporting is stale after two report intervals and leaves the totals', async () => {
    const quiet = await startDchatServer(['--zk', zk.connectString, '--node-id', 'node-quiet', '--report-interval-ms', '300']);
    try {
      await waitFor(async () => (await once()).nodes.find((n) => n.nodeId === 'node-quiet' && n.state === 'up'), 15_000, 'node-quiet listed as up');
      process.kill(quiet.pid, 'SIGSTOP');
      const stale = await waitFor(async () => {
        const read = await once();
        return read.nodes.find((n) => n.nodeId === 'node-quiet')?.state === 'stale' ? read : undefined;
      }, 8_000, 'node-quiet marked stale while its process is stopped');
      assert.equal(stale.totals.nodes, 1, 'only node-tmux-1 counts');
      assert.equal(stale.totals.staleNodes, 1);
    } finally {
      process.kill(quiet.pid, 'SIGCONT');
      await quiet.stop();
    }
  });

  test('at 80x24: a restarted node says so, addresses stay whole, ? shows the keys', async () => {
    let screen: TmuxScreen | undefined;
    let again = await startDchatServer(['--zk', zk.connectString, '--node-id', 'node-again']);
    try {
      screen = await startDchatInTmux(['console', '--zk', zk.connectString, '--refresh-ms', '300'], { env: { DCHAT_LOG_FILE: join(logDir, 'console-80.log') }, columns: 80, rows: 24 });
      await screen.waitForScreen(/node-again\s+up\s/, 'node-again up');
      await again.stop();
      again = await startDchatServer(['--zk', zk.connectString, '--node-id', 'node-again']);
      await screen.waitForScreen(/node-again\s+restarted\s+127\.0\.0\.1:\d+\s+127\.0\.0\.1:\d+\s+0\s+0\s+\d+s\s+\d+s ago[^\n]*\n[^\n]*node-tmux-1\s+up\s/, 'node-again marked restarted, each node on one row');
      const shown = await screen.capture();
      const rows = shown.split('\n');
      assert.equal(rows.length, 24);
      assert.ok(rows.every((row) => row.length <= 80), shown);
      for (const address of shown.match(/127\.0\.0\.1[^\s│]*/g) ?? []) assert.match(address, /^127\.0\.0\.1:\d+$/, `an address cut or wrapped:\n${shown}`);
      for (const order of ['users', 'conns', 'up']) {
        await screen.sendKeys('s');
        await screen.waitForScreen(new RegExp(`chat nodes \\(/dchat/nodes\\), by ${order}: s sorts`), `the table sorted by ${order}`);
      }
      await screen.waitForScreen(/node-tmux-1\s+up\s[^\n]*\n[^\n]*node-again\s+restarted/, 'by uptime: the node running longest first');
      await screen.sendKeys('?');
      await screen.waitForScreen(/q, Escape\s+quit/, 'the keys on ?');
      await screen.sendKeys('Escape');
      await waitFor(async () => !/q, Escape\s+quit/.test((await screen?.capture()) ?? ''), 5_000, 'Escape to close the help');
      assert.equal(await screen.isRunning(), true, 'Escape closed the help, not the console');
      await screen.sendKeys('q');
      await waitFor(async () => !(await screen?.isRunning()), 10_000, 'the console to exit on q');
    } finally {
      await screen?.stop();
      await again.stop();
    }
  });
  /** Rows of the left chart, borders included: from its top border to its bottom one. */
  function chartRows(shown: string): number {
    const rows = shown.split('\n');
    const top = rows.findIndex((row) => row.startsWith('┌─ connections'));
    const bottom = rows.findIndex((row, i) => i > top && row.startsWith('└'));
    return top < 0 || bottom < 0 ? 0 : bottom - top + 1;
  }

  test('at 80x24 with a wide node id: panes never overlap, columns align, a node is selected, shown and charted alone; the charts grow with the terminal', async () => {
    let screen: TmuxScreen | undefined;
    const wide = await startDchatServer(['--zk', zk.connectString, '--node-id', '東京-節点-3']);
    const other = await startDchatServer(['--zk', zk.connectString, '--node-id', 'node-other']);
    try {
      screen = await startDchatInTmux(['console', '--zk', zk.connectString, '--refresh-ms', '300'], { env: { DCHAT_LOG_FILE: join(logDir, 'console-wide.log') }, columns: 80, rows: 24 });
      const providersOf = (text: string): string[] => text.split('\n').slice(text.split('\n').findIndex((row) => row.includes('RPC providers'))).join('\n').match(/127\.0\.0\.1:\d+(?=[\s│])/g) ?? [];
      // Each node registers its entry and its five services one after the other: wait for all.
      await screen.waitForScreen(/│ *東京-節点-3 +up +127\.0\.0\.1:\d+ +127\.0\.0\.1:\d+[^\n]*\n[\s\S]*every service +127\.0\.0\.1:\d+/, "the wide id's row and the providers of every service");
      const shown = await waitFor(async () => {
        const text = (await screen?.capture()) ?? '';
        return providersOf(text).length === 3 ? text : undefined;
      }, 15_000, 'the three nodes as providers of every service');
      const rows = shown.split('\n');
      assert.equal(rows.length, 24);
      assert.ok(rows.every((row) => stringWidth(row) <= 80), `a row wider than the terminal:\n${shown}`);
      // The state column starts at the same terminal column on every node's row.
      const stateColumns = rows.filter((row) => / up {2,}127\./.test(row)).map((row) => stringWidth(row.slice(0, row.indexOf(' up ') + 1)));
      assert.equal(stateColumns.length, 3, shown);
      assert.equal(new Set(stateColumns).size, 1, `the state column moves with the id's script:\n${shown}`);
      // The charts' bottom borders are whole (no legend hangs over them), and a chart has room for a line.
      assert.ok(rows.some((row) => /^└─+┘└─+┘$/.test(row)), `a chart's border is overdrawn:\n${shown}`);
      assert.ok(chartRows(shown) >= 8, `the charts are ${chartRows(shown)} rows high at 80x24:\n${shown}`);
      // Every provider address whole (the three matched above end at a space or a border).
      assert.doesNotMatch(shown, /more lines/);

      await screen.sendKeys('Down');
      const selected = (await screen.waitForScreen(/│>(\S+)/, 'the first node selected'))[1] ?? '';
      await screen.sendKeys('Enter');
      await screen.waitForScreen(new RegExp(`node ${selected}: Enter or Escape closes[^]*rpc address +127\\.0\\.0\\.1:\\d+[^]*provides +every service`), "the selected node's detail");
      await screen.sendKeys('Escape');
      await waitFor(async () => !/Enter or Escape closes/.test((await screen?.capture()) ?? ''), 5_000, 'Escape to close the detail');
      assert.equal(await screen.isRunning(), true, 'Escape closed the detail, not the console');
      await screen.sendKeys('f');
      await screen.waitForScreen(new RegExp(`connections of ${selected} \\(f: all\\)`), 'the charts of the selected node alone');
      await screen.sendKeys('f');
      await screen.waitForScreen(/┌─ connections per node /, 'the charts of all nodes again');

      const small = chartRows(await screen.capture());
      await screen.resize(120, 40);
      await waitFor(async () => chartRows((await screen?.capture()) ?? '') > small + 4, 10_000, `the charts to grow past ${small} rows on a 120x40 terminal`);
      await screen.sendKeys('q');
      await waitFor(async () => !(await screen?.isRunning()), 10_000, 'the console to exit on q');
    } finally {
      await screen?.stop();
      await wide.stop();
      await other.stop();
    }
  });
});
