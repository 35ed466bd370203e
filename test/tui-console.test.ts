// End to end: the real `dchat console` on a real terminal (tmux) watching a real ZooKeeper with a
// real cluster node (`dchat server --zk`) registered in it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
