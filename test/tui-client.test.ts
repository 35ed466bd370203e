// End to end: the real full-screen `dchat client` on a real terminal (tmux) against a real
// `dchat server`: keys typed with send-keys, the screen read back with capture-pane.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dchat } from '../src/gen/proto.js';
import { startDchatServer, type DchatProcess } from './support/dchat-process.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatInTmux, type TmuxScreen } from './support/tmux-screen.js';
import { waitFor } from './support/wait.js';

describe('dchat client (full screen)', () => {
  let server: DchatProcess;
  let logDir: string;
  before(async () => {
    server = await startDchatServer();
    logDir = mkdtempSync(join(tmpdir(), 'dchat-tui-'));
  });
  after(async () => {
    await server?.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  test('a person registers, logs in, is written to by another user, reads it and answers, on a resized terminal', async () => {
    let screen: TmuxScreen | undefined;
    let ben: ChatUser | undefined;
    const logFile = join(logDir, 'client.log');
    try {
      screen = await startDchatInTmux(['client', '--server', `${server.host}:${server.port}`], { env: { DCHAT_LOG_FILE: logFile }, columns: 100, rows: 30 });
      await screen.waitForScreen(/● connected/, 'the header to show the connection');
      await screen.type('register:ann:ann-pass');
      await screen.sendKeys('Enter');
      const annId = Number((await screen.waitForScreen(/registered ann: your user id is (\d+)/, "ann's user id in the status line"))[1]);
      await screen.type(`login:${annId}:ann-pass`);
      await screen.sendKeys('Enter');
      await screen.waitForScreen(new RegExp(`│  ann \\(${annId}\\)  │`), 'the header to name the logged-in user');

      ben = await ChatUser.registered('ben', server.host, server.port);
      await ben.login();
      await ben.client.call({ chat: { toId: annId, text: 'hello from ben' } });
      await screen.waitForScreen(new RegExp(`ben \\(${ben.id}\\)\\s*\\[1\\]`), "ben's conversation with one unread message in the left pane");

      await screen.sendKeys('Tab');
      await screen.waitForScreen(/\d\d:\d\d ben: hello from ben/, "ben's message in the main pane");
      await screen.type('hi ben, got it');
      await screen.sendKeys('Enter');
      await ben.waitForMessage('hi ben, got it');
      await screen.waitForScreen(/\d\d:\d\d ann: hi ben, got it/, "ann's own message in the conversation");
      await screen.type(`addfriend:${ben.id}`);
      await screen.sendKeys('Enter');
      await ben.waitForEvent((e) => e.friendRequest?.from?.id === annId, "ann's friend request");
      await ben.client.call({ addFriend: { friendId: annId } });
      await screen.waitForScreen(new RegExp(`● ben \\(${ben.id}\\)`), 'ben as an online friend in the left pane');

      await screen.resize(80, 20);
      const resized = await screen.waitForScreen(/^to ben>.*$/m, 'the input line after the resize');
      const rows = (await screen.capture()).split('\n');
      assert.equal(rows.length, 20, 'the capture is the resized screen');
      assert.equal(rows[19], resized[0], 'the input line sits on the last row of the smaller terminal');
      assert.ok(rows.every((row) => row.length <= 80), 'no row is wider than the terminal');

      await server.kill();
      // The detail changes with each attempt ("the connection was lost", then why a retry failed).
      await screen.waitForScreen(/● reconnecting: /, 'the header to say the client is reconnecting after the node died');

      await screen.sendKeys('C-c');
      await waitFor(async () => !(await screen?.isRunning()), 10_000, 'the client to exit on Ctrl-C');
      const log = readFileSync(logFile, { encoding: 'utf8', flag: 'a+' });
      assert.doesNotMatch(log, /ERROR/, 'the client logged no errors');
    } finally {
      ben?.close();
      await screen?.stop();
    }
  });

  test('a kicked person stays in the client: after no login in time, and after a login elsewhere, login connects again', async () => {
    let screen: TmuxScreen | undefined;
    let other: ChatUser | undefined;
    const strict = await startDchatServer(['--login-deadline-ms', '2000']);
    try {
      screen = await startDchatInTmux(['client', '--server', `${strict.host}:${strict.port}`], { env: { DCHAT_LOG_FILE: join(logDir, 'kicked.log') }, columns: 120, rows: 24 });
      await screen.waitForScreen(/● connected/, 'the header to show the connection');
      await screen.type('register:cat:cat-pass');
      await screen.sendKeys('Enter');
      const catId = Number((await screen.waitForScreen(/registered cat: your user id is (\d+)/, "cat's user id in the status line"))[1]);
      await screen.waitForScreen(/● disconnected: .*not logged in in time/, 'the header to say the client is disconnected after the login deadline');
      await screen.type(`login:${catId}:cat-pass`);
      await screen.sendKeys('Enter');
      await screen.waitForScreen(new RegExp(`│  cat \\(${catId}\\)  │  ● connected`), 'cat logged in on a new connection');

      other = new ChatUser('cat', strict.host, strict.port);
      other.id = catId;
      await other.client.connect();
      await other.client.call({ login: { userId: catId, password: 'cat-pass' } });
      await screen.waitForScreen(/● disconnected: .*you logged in elsewhere/, 'the header to say the client is disconnected after the login elsewhere');
      await screen.type(`login:${catId}:cat-pass`);
      await screen.sendKeys('Enter');
      await screen.waitForScreen(new RegExp(`│  cat \\(${catId}\\)  │  ● connected`), 'cat logged in again on a new connection');
      await other.waitForEvent((e) => e.kicked?.code === dchat.client.KickCode.LOGGED_IN_ELSEWHERE, 'the kick of the other connection');
      assert.equal(await screen.isRunning(), true, 'the client is still running');
    } finally {
      other?.close();
      await screen?.stop();
      await strict.stop();
    }
  });

  test('a client whose server does not answer says so on the shell screen and exits with status 1', async () => {
    let screen: TmuxScreen | undefined;
    try {
      // `; sleep` keeps the pane, and so what the client left on the shell screen, readable.
      screen = await startDchatInTmux(['client', '--server', '127.0.0.1:1'], { env: { DCHAT_LOG_FILE: join(logDir, 'refused.log') }, columns: 100, rows: 12, after: 'echo "exit status $?"; sleep 60' });
      await screen.waitForScreen(/dchat client: .*127\.0\.0\.1:1/, 'the connection error on the shell screen');
      await screen.waitForScreen(/exit status 1/, 'the exit status');
    } finally {
      await screen?.stop();
    }
  });
});
