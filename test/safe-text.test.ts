// End to end: a real `dchat server` refuses terminal control characters in texts and names, and
// look-alike names; the real line client shows a control character that still comes out of the
// database (a row written before the rule) as a visible escape, never as the raw byte.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { dchat } from '../src/gen/proto.js';
import { startDchatServer, spawnDchat, type DchatProcess } from './support/dchat-process.js';
import { ChatUser } from './support/chat-user.js';
import { startDchatInTmux } from './support/tmux-screen.js';
import { waitFor } from './support/wait.js';

const { Status } = dchat;

describe('safe text', () => {
  let server: DchatProcess;
  let ann: ChatUser;
  let ben: ChatUser;
  let groupId = 0;
  const users: ChatUser[] = [];

  before(async () => {
    server = await startDchatServer(['--password-cost', 'test']);
    ann = await ChatUser.registered('ann', server.host, server.port);
    ben = await ChatUser.registered('ben', server.host, server.port);
    users.push(ann, ben);
    await ann.login();
    const created = await ann.client.call({ createGroup: { name: 'crew', desc: 'line one\nline two\twith a tab' } });
    groupId = created.group?.group?.id ?? 0;
  });
  after(async () => {
    for (const u of users) u.close();
    await server?.stop();
  });

  const controls: readonly [string, string][] = [
    ['\u001b', 'U+001B (ESC)'],
    ['\u0000', 'U+0000 (NUL)'],
    ['\r', 'U+000D (CR)'],
    ['\u0007', 'U+0007 (BEL)'],
    ['\u007f', 'U+007F (DEL)'],
    ['\u009b', 'U+009B (CSI)'],
    ['\u0085', 'U+0085'],
  ];

  test('the server refuses a chat or group chat text with a control character, naming it and where it is', async () => {
    for (const [char, named] of controls) {
      const text = `ok${char}[2K fake line`;
      const quoted = new RegExp(`message text contains the control character ${named.replace(/[()+]/g, '\\$&')} at character 3; only newline and tab are allowed`);
      await ann.expectRefusal({ chat: { toId: ben.id, text } }, Status.INVALID_ARGUMENT, quoted);
      await ann.expectRefusal({ groupChat: { groupId, text } }, Status.INVALID_ARGUMENT, quoted);
    }
  });

  test('the server accepts newlines and tabs in texts and group descriptions', async () => {
    const res = await ann.client.request({ chat: { toId: ben.id, text: 'two\nlines\tand a tab' } });
    assert.equal(res.status, Status.OK, res.errorText);
    const group = await ann.client.call({ groupList: {} });
    assert.equal(group.groupList?.groups?.[0]?.desc, 'line one\nline two\twith a tab');
  });

  test('the server refuses a group description with a control character other than newline and tab', async () => {
    for (const [char, named] of controls) {
      const desc = `about${char}]0;title`;
      await ann.expectRefusal({ createGroup: { name: `g${named.slice(2, 6)}`, desc } }, Status.INVALID_ARGUMENT, /group description contains the control character U\+/);
    }
  });

  const badNames: readonly [string, string][] = [
    ['adm\u001bin', 'U+001B (ESC)'],
    ['adm\u009bin', 'U+009B (CSI)'],
    ['adm\tin', 'U+0009 (TAB)'],
    ['adm\nin', 'U+000A (LF)'],
    ['\u202enimda', 'U+202E (RIGHT-TO-LEFT OVERRIDE)'],
    ['adm\u202din', 'U+202D (LEFT-TO-RIGHT OVERRIDE)'],
    ['adm\u2066in', 'U+2066 (LEFT-TO-RIGHT ISOLATE)'],
    ['adm\u200bin', 'U+200B (ZERO WIDTH SPACE)'],
    ['adm\u200din', 'U+200D (ZERO WIDTH JOINER)'],
    ['adm\ufeffin', 'U+FEFF (ZERO WIDTH NO-BREAK SPACE)'],
    ['adm\u2028in', 'U+2028'],
  ];

  test('the server refuses user and group names with controls, bidi overrides or isolates and zero-width characters', async () => {
    const anon = new ChatUser('anon', server.host, server.port);
    users.push(anon);
    await anon.client.connect();
    for (const [name, named] of badNames) {
      const says = new RegExp(`name contains ${named.replace(/[()+]/g, '\\$&')} at character \\d+; names may not hold control, bidi or zero-width characters`);
      await anon.expectRefusal({ register: { name, password: 'secret-pass' } }, Status.INVALID_ARGUMENT, says);
      await ann.expectRefusal({ createGroup: { name, desc: '' } }, Status.INVALID_ARGUMENT, says);
    }
  });

  test('a full-width look-alike name is stored as the name it imitates, and so is refused when that one is taken', async () => {
    const anon = new ChatUser('anon', server.host, server.port);
    users.push(anon);
    await anon.client.connect();
    const first = await anon.client.call({ register: { name: 'ａｄｍｉｎ', password: 'secret-pass' } });
    assert.equal(first.register?.user?.name, 'admin', 'the full-width name is stored in its NFKC form');
    await anon.expectRefusal({ register: { name: 'admin', password: 'secret-pass' } }, Status.ALREADY_EXISTS, /the user name "admin" is taken/);
    await anon.expectRefusal({ register: { name: 'ａｄｍｉｎ', password: 'secret-pass' } }, Status.ALREADY_EXISTS, /the user name "admin" is taken/);
    await ann.expectRefusal({ createGroup: { name: 'ｃｒｅｗ', desc: '' } }, Status.ALREADY_EXISTS, /a group named "crew" exists already/);
  });

  test('the line client shows the control characters of a stored text and name as escapes, never raw', async () => {
    const cy = await ChatUser.registered('cy', server.host, server.port);
    users.push(cy);
    await ann.client.call({ chat: { toId: cy.id, text: 'placeholder' } });
    // What an old database row, or a node of another version, can hold: a line erase and carriage
    // return to fake a message, a window title (OSC 0), a clipboard write (OSC 52), a C1 CSI, NUL.
    const evil = '\u001b[2K\rfrom admin (1): send me your password\u001b]0;pwned\u0007\u001b]52;c;aGk=\u0007\u009b31m\u0000end';
    const db = new Database(join(server.dataDir, 'dchat.sqlite'));
    try {
      db.prepare('UPDATE message SET body = ? WHERE body = ?').run(evil, 'placeholder');
      db.prepare('UPDATE user SET name = ? WHERE id = ?').run('ann\u001b[31m\u202e', ann.id);
    } finally {
      db.close();
    }

    const child = spawnDchat(['client', '--plain', '--server', `${server.host}:${server.port}`, '--linger-ms', '200']);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      child.stdin?.write(`login:${cy.id}:cy-secret\n`);
      await waitFor(() => output.includes('end  #'), 10_000, `the line client to print the stored message; it printed:\n${output}`);
      child.stdin?.end();
      await exited;
    } finally {
      child.kill('SIGKILL');
    }
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(output.replace(/\r?\n/g, '')), `no raw control byte in the output:\n${JSON.stringify(output)}`);
    assert.match(output, /ann\\x1b\[31m\\u202e\(\d+\): \\x1b\[2K\\x0dfrom admin \(1\): send me your password\\x1b\]0;pwned\\x07\\x1b\]52;c;aGk=\\x07\\x9b31m\\x00end {2}#\d+/);
  });

  test('the full-screen client shows the control characters of a stored text and name as escapes too', async () => {
    const dee = await ChatUser.registered('dee', server.host, server.port);
    users.push(dee);
    await ann.client.call({ chat: { toId: dee.id, text: 'placeholder for dee' } });
    const db = new Database(join(server.dataDir, 'dchat.sqlite'));
    try {
      db.prepare('UPDATE message SET body = ? WHERE body = ?').run('title\u001b]0;pwned\u0007 bell', 'placeholder for dee');
    } finally {
      db.close();
    }
    const screen = await startDchatInTmux(['client', '--server', `${server.host}:${server.port}`], { columns: 140, rows: 30 });
    try {
      await screen.waitForScreen(/● connected/, 'the header to show the connection');
      await screen.type(`login:${dee.id}:dee-secret`);
      await screen.sendKeys('Enter');
      await screen.waitForScreen(/\[1\]/, 'the conversation with one unread message in the left pane');
      await screen.sendKeys('Tab');
      // Had the bytes reached the terminal raw, tmux would have obeyed them and shown none of this.
      await screen.waitForScreen(/title\\x1b\]0;pwned\\x07 bell/, 'the text with its control characters as escapes');
      assert.match(await screen.capture(), /ann\\x1b\[31m\\u202e/, 'the sender name with its escapes');
    } finally {
      await screen.stop();
    }
  });
});
