// End to end: the real `dchat client --plain` binary, scripted through its stdin, against a real
// `dchat server`: the seed's command set exactly as written there.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDchatServer, spawnDchat, type DchatProcess } from './support/dchat-process.js';
import { waitFor } from './support/wait.js';

interface LineClient {
  send(line: string): void;
  output(): string;
  waitForOutput(pattern: RegExp, what: string): Promise<RegExpExecArray>;
  end(): void;
  exited: Promise<number | null>;
  kill(): void;
}

function startLineClient(server: DchatProcess): LineClient {
  const child = spawnDchat(['client', '--plain', '--server', `${server.host}:${server.port}`, '--linger-ms', '200']);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    send: (line) => void child.stdin?.write(`${line}\n`),
    output: () => output,
    waitForOutput: (pattern, what) => waitFor(() => pattern.exec(output) ?? undefined, 10_000, `the line client to print ${what}; it printed:\n${output}`),
    end: () => void child.stdin?.end(),
    exited,
    kill: () => void child.kill('SIGKILL'),
  };
}

describe('dchat client --plain', () => {
  let server: DchatProcess;
  const clients: LineClient[] = [];
  const open = (): LineClient => {
    const c = startLineClient(server);
    clients.push(c);
    return c;
  };

  before(async () => {
    server = await startDchatServer();
  });
  after(async () => {
    for (const c of clients) c.kill();
    await server?.stop();
  });

  test('two people chat with the seed commands, in two clients', async () => {
    const ann = open();
    const ben = open();
    ann.send('help');
    await ann.waitForOutput(/groupchat\s+group chat, format groupchat:groupid:message/, 'the help listing');
    for (const name of ['chat', 'addfriend', 'delfriend', 'creategroup', 'addgroup', 'delgroup', 'showfriendlist', 'loginout']) {
      assert.match(ann.output(), new RegExp(`^\\s+${name}\\s`, 'm'), `help lists ${name}`);
    }
    ann.send('register:ann:ann-pass');
    const annId = Number((await ann.waitForOutput(/registered ann: your user id is (\d+)/, "ann's id"))[1]);
    ben.send('register:ben:ben-pass');
    const benId = Number((await ben.waitForOutput(/registered ben: your user id is (\d+)/, "ben's id"))[1]);
    ann.send(`login:${annId}:ann-pass`);
    await ann.waitForOutput(/logged in as ann/, 'the login confirmation');
    ben.send(`login:${benId}:ben-pass`);
    await ben.waitForOutput(/logged in as ben/, 'the login confirmation');

    ann.send(`addfriend:${benId}`);
    await ann.waitForOutput(/asked ben \(\d+\) to be your friend; you become friends when they accept/, 'the request');
    await ben.waitForOutput(new RegExp(`ann \\(${annId}\\) asks to be your friend: addfriend:${annId} accepts, delfriend:${annId} declines`), 'the request');
    ben.send(`addfriend:${annId}`);
    await ben.waitForOutput(/added friend \d+ ann \(online\)/, 'the new friend');
    await ann.waitForOutput(/ben \(\d+\) accepted: you are friends now/, 'the acceptance');
    ann.send(`chat:${benId}:lunch at 12:30?`);
    await ben.waitForOutput(/ann\(\d+\): lunch at 12:30\?/, "ann's message with its colon intact");
    ben.send('showfriendlist');
    await ben.waitForOutput(/friends:\n\s+\d+ ann \(online\)/, 'the friend list');

    ann.send('creategroup:climbers:bouldering on fridays');
    const groupId = Number((await ann.waitForOutput(/created group climbers: its group id is (\d+)/, 'the group id'))[1]);
    ben.send(`addgroup:${groupId}`);
    await ben.waitForOutput(/joined group/, 'the join confirmation');
    await ann.waitForOutput(new RegExp(`ben \\(${benId}\\) joined group ${groupId} \\(climbers\\)`), "ben's join, told to the group's creator");
    ben.send(`groupchat:${groupId}:count me in`);
    await ann.waitForOutput(new RegExp(`\\[group ${groupId}\\] ben\\(${benId}\\): count me in`), 'the group message');
    ann.send(`delfriend:${benId}`);
    await ann.waitForOutput(/deleted friend/, 'the deletion');

    ann.send('loginout');
    ann.send(`login:${annId}:ann-pass`);
    await ann.waitForOutput(/logged out\n[\s\S]*logged in as ann/, 'the logout, then the next login on the same connection: nothing read after loginout is dropped');
    ann.end();
    assert.equal(await ann.exited, 0, 'the end of input ends the client');
    ben.end();
    assert.equal(await ben.exited, 0, 'the end of input ends the client');
  });

  test('bad input is explained and the client keeps going', async () => {
    const c = open();
    c.send('chat:abc:hello');
    await c.waitForOutput(/error: friend id must be a positive number, got "abc"; usage: chat:friendid:message/, 'the parse error');
    c.send('frobnicate');
    await c.waitForOutput(/unknown command "frobnicate"; type help/, 'the unknown command error');
    c.send('showfriendlist');
    await c.waitForOutput(/error \(UNAUTHENTICATED\): log in first/, 'the refusal before login');
    c.send('login:999999:nope');
    await c.waitForOutput(/error \(UNAUTHENTICATED\): wrong user id or password/, 'the failed login');
    c.send('chat 3 hi');
    await c.waitForOutput(/did you mean chat:3:hi or \/chat 3 hi\?/, 'the near miss');
    c.end();
    assert.equal(await c.exited, 1, 'in a pipe, a failed command makes the exit status 1');
    assert.match(c.output(), /dchat client: 5 command\(s\) failed: line 1 \(chat\), line 2 \(frobnicate\), line 3 \(showfriendlist\), line 4 \(login\), line 5 \(chat\)/);
    assert.doesNotMatch(c.output(), /failed: .*nope/, 'no password in the summary');
  });

  test('a message sent while the recipient was away is printed after login, with sender and time', async () => {
    const cy = open();
    cy.send('register:cy:cy-password');
    const cyId = Number((await cy.waitForOutput(/your user id is (\d+)/, "cy's id"))[1]);
    const dee = open();
    dee.send('register:dee:dee-pass');
    const deeId = Number((await dee.waitForOutput(/your user id is (\d+)/, "dee's id"))[1]);
    dee.send(`login:${deeId}:dee-pass`);
    dee.send(`chat:${cyId}:are you there?`);
    await dee.waitForOutput(/sent #\d+/, 'the send confirmation');
    cy.send(`login:${cyId}:cy-password`);
    await cy.waitForOutput(/1 message\(s\) waiting/, 'the pending count');
    await cy.waitForOutput(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d dee\(\d+\): are you there\?/, 'the offline message');
    cy.end();
    dee.end();
    await Promise.all([cy.exited, dee.exited]);
  });

  test('a client pointed at a port where nothing listens says so and exits non-zero', async () => {
    const child = spawnDchat(['client', '--plain', '--server', '127.0.0.1:1']);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1);
    assert.match(output, /127\.0\.0\.1:1/);
  });
});
