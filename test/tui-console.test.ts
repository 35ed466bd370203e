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
      await screen.waitForScreen(/node-tmux-1\s+127\.0\.0\.1:\d+\s+127\.0\.0\.1:\d+/, "the node's row in the node table");
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
});
