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
      // The last row of the screen (no m flag: $ is the end of the capture).
      const resized = await screen.waitForScreen(/to ben>[^\n]*$/, 'the input line on the last row after the resize');
      const shown = await screen.capture();
      const rows = shown.split('\n');
      assert.equal(rows.length, 20, 'the capture is the resized screen');
      assert.equal(rows[19], resized[0].trimEnd(), `the input line sits on the last row of the smaller terminal; the screen:\n${shown}`);
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

  test('commands with /, typos refused, a masked password, line editing, scrolling to the first message and back, on 40x12', async () => {
    let screen: TmuxScreen | undefined;
    let eve: ChatUser | undefined;
    const node = await startDchatServer();
    try {
      screen = await startDchatInTmux(['client', '--server', `${node.host}:${node.port}`], { env: { DCHAT_LOG_FILE: join(logDir, 'keys.log') }, columns: 100, rows: 30 });
      await screen.waitForScreen(/Welcome to dchat[\s\S]*\/register NAME PASSWORD .*\/login ID PASSWORD/, 'a greeting naming the first two commands');
      await screen.type('/register dot dot-pass');
      await screen.sendKeys('Enter');
      const dotId = Number((await screen.waitForScreen(/registered dot: your user id is (\d+)/, "dot's user id"))[1]);
      await screen.type(`/login ${dotId} dot-pa`);
      await screen.waitForScreen(new RegExp(`command> /login ${dotId} \\*{6}`), 'the password masked while typed');
      assert.doesNotMatch(await screen.capture(), /dot-pa/, 'the password is not on screen');
      await screen.type('ss');
      await screen.sendKeys('Enter');
      await screen.waitForScreen(new RegExp(`│  dot \\(${dotId}\\)  │`), 'dot logged in with /login');

      eve = await ChatUser.registered('eve', node.host, node.port);
      await eve.login();
      await screen.type(`/addfriend ${eve.id}`);
      await screen.sendKeys('Enter');
      await screen.waitForScreen(/asked eve .* to be your friend/, 'the friend request sent');
      await eve.client.call({ addFriend: { friendId: dotId } });
      await screen.waitForScreen(new RegExp(`● eve \\(${eve.id}\\)`), 'eve as a friend once she accepted');
      for (let n = 1; n <= 70; n++) await eve.client.call({ chat: { toId: dotId, text: `note ${n}` } });
      // Tab and a line in one read of the terminal: the line goes to the conversation Tab chose.
      await screen.sendKeys('Tab', 'h', 'i', 'Enter');
      await eve.waitForMessage('hi');
      await screen.waitForScreen(/ eve: note 70/, "eve's newest message in her conversation");

      // Never sent: a typo of a command with a colon, a / line, a lone typo.
      for (const [line, says] of [['loign:1:secret', /did you mean login:…/], ['/quti', /did you mean \/quit\?/], ['helpp', /did you mean help/]] as const) {
        await screen.type(line);
        await screen.sendKeys('Enter');
        await screen.waitForScreen(says, `the refusal of ${line}`);
      }
      assert.doesNotMatch(await screen.capture(), /secret/, 'the refused line is not repeated');

      await screen.type('helo');
      await screen.sendKeys('Left');
      await screen.type('l');
      await screen.sendKeys('C-a');
      await screen.type('well, ');
      await screen.sendKeys('Enter');
      await screen.waitForScreen(/ dot: well, hello/, 'the line edited at the cursor, sent');
      await screen.waitForScreen(/\nsent\n/, 'the status line saying sent');
      await screen.waitForScreen(/┘\n\nto eve>/, 'the status line cleared again');
      await eve.waitForMessage('well, hello');
      await screen.sendKeys('Up');
      await screen.waitForScreen(/to eve> well, hello/, 'Up brings back the last line');
      await screen.sendKeys('Up', 'Up', 'Up', 'Up', 'Up');
      await screen.waitForScreen(new RegExp(`to eve> /addfriend ${eve.id}`), 'Up reaches the oldest line kept');
      assert.doesNotMatch(await screen.capture(), /\/login/, 'the login line is not in the input history');
      await screen.sendKeys('C-u');

      assert.deepEqual(eve.messages().map((m) => m.text), ['hi', 'well, hello'], 'eve was sent nothing by mistake');
      await screen.type('/quit');
      await screen.sendKeys('Enter');
      await waitFor(async () => !(await screen?.isRunning()), 10_000, 'the client to exit on /quit');

      // A new client has only the newest page of the 72 messages; PageUp fetches the rest.
      screen = await startDchatInTmux(['client', '--server', `${node.host}:${node.port}`], { env: { DCHAT_LOG_FILE: join(logDir, 'keys.log') }, columns: 100, rows: 30 });
      await screen.type(`/login ${dotId} dot-pass`);
      await screen.sendKeys('Enter');
      await screen.waitForScreen(new RegExp(`│  dot \\(${dotId}\\)  │`), 'dot logged in again');
      await screen.sendKeys('Tab');
      await screen.waitForScreen(/ dot: well, hello/, 'the newest page of the conversation');
      // 30 rows: 24 of text, a page is 23: two PageUps reach the top of the 51 rows loaded.
      await screen.sendKeys('PPage');
      await screen.waitForScreen(/\(↑23, End: newest\)/, 'one page scrolled back');
      await screen.sendKeys('PPage');
      await screen.waitForScreen(/\(↑27, End: newest\)\s*│\n│[^\n]*── older messages: PageUp ──/, 'the marker above the oldest loaded message, and no over-count');
      await screen.sendKeys('PPage');
      await screen.waitForScreen(/loaded 22 older messages of eve/, 'PageUp at the top fetching the older page');
      for (let i = 0; i < 4; i++) await screen.sendKeys('PPage');
      await screen.waitForScreen(/── start of the conversation ──\s*│\n│[^\n]* eve: note 1\s*│/, 'PageUp past the loaded messages fetches the older ones, up to the first');
      await screen.sendKeys('NPage');
      await screen.waitForScreen(/↑\d+[^]*eve: note 3\d/, 'one PageDown moves down at once: PageUp stopped at the top');
      assert.doesNotMatch(await screen.capture(), /start of the conversation/);
      await screen.sendKeys('End');
      await screen.waitForScreen(/ dot: well, hello\s*│\n└/, 'End shows the newest message');

      await eve.client.call({ logout: {} });
      await screen.waitForScreen(/eve is offline/, 'presence in words');

      await screen.resize(40, 12);
      // tmux shows the old picture re-flowed until the client draws again: wait for a screen
      // whose every row fits, then check the borders on it.
      const fits = (shown: string): boolean => shown.split('\n').length === 12 && shown.split('\n').every((row) => row.length <= 40) && /\n┌─*┐┌─*┐\n/.test(shown) && /\nto eve>[^\n]*$/.test(shown);
      const narrow = await waitFor(async () => {
        const shown = await screen?.capture();
        return shown !== undefined && fits(shown) ? shown : undefined;
      }, 15_000, 'a 40x12 screen with the input line on its last row');
      for (const row of narrow.split('\n').slice(1, 10)) {
        assert.match(row, /^[┌│└].*[┐│┘]$/, `the panes' borders are whole on every row:\n${narrow}`);
      }
      await screen.type('/quit');
      await screen.sendKeys('Enter');
      await waitFor(async () => !(await screen?.isRunning()), 10_000, 'the client to exit on /quit');
    } finally {
      eve?.close();
      await screen?.stop();
      await node.stop();
    }
  });

  test("joins and leaves show in words in the group's conversation, in order with its messages; a deletion names its creator", async () => {
    let screen: TmuxScreen | undefined;
    const people: ChatUser[] = [];
    // A node of its own: the first test kills the shared one.
    const server = await startDchatServer();
    try {
      const gus = await ChatUser.registered('gus', server.host, server.port);
      people.push(gus);
      await gus.login();
      const groupId = (await gus.client.call({ createGroup: { name: 'climbers', desc: 'ropes' } })).group?.group?.id ?? 0;
      gus.close();
      screen = await startDchatInTmux(['client', '--server', `${server.host}:${server.port}`], { env: { DCHAT_LOG_FILE: join(logDir, 'groups.log') }, columns: 80, rows: 24 });
      await screen.type(`/login ${gus.id} gus-secret`);
      await screen.sendKeys('Enter');
      await screen.waitForScreen(new RegExp(`│  gus \\(${gus.id}\\)  │`), 'gus logged in');
      await screen.sendKeys('Tab');
      await screen.waitForScreen(new RegExp(`group climbers \\(${groupId}\\)`), "the group's conversation on screen");

      const carol = await ChatUser.registered('carol', server.host, server.port);
      people.push(carol);
      await carol.login();
      await carol.client.call({ addGroup: { groupId } });
      await screen.waitForScreen(/\d\d:\d\d --> carol joined climbers/, "carol's join in words");
      await carol.client.call({ groupChat: { groupId, text: 'hi climbers' } });
      await carol.client.call({ delGroup: { groupId } });
      await screen.waitForScreen(/--> carol joined climbers[^]*carol: hi climbers[^]*\d\d:\d\d <-- carol left climbers/, 'the join, her message and her leave, in that order');
      assert.doesNotMatch(await screen.capture(), /group_member|groupMemberChanged|user \d+ joined/, 'no protocol names or bare ids');

      // A group carol made, which gus joins: its deletion is told by name.
      const bouldersId = (await carol.client.call({ createGroup: { name: 'boulderers', desc: '' } })).group?.group?.id ?? 0;
      await screen.type(`/addgroup ${bouldersId}`);
      await screen.sendKeys('Enter');
      await screen.waitForScreen(/joined group \d+ boulderers/, 'gus joined boulderers');
      await carol.client.call({ delGroup: { groupId: bouldersId } });
      await screen.waitForScreen(/carol deleted group boulderers/, 'the deletion in words, naming its creator');
    } finally {
      for (const person of people) person.close();
      await screen?.stop();
      await server.stop();
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
