// `dchat ring` as an operator uses it: real processes, the ring kept in a state file between them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDchat } from './support/run-dchat.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dchat-ring-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function ring(state: string, ...args: string[]): ReturnType<typeof runDchat> {
  return runDchat(['ring', '--state', state, ...args]);
}

test('dchat ring keeps servers added by one call for the next calls, in the order added', async () => {
  const state = join(dir, 'keep.json');
  assert.equal((await ring(state, 'add', '10.0.0.1', '6000', '150')).status, 0);
  assert.equal((await ring(state, 'add', '10.0.0.2', '6000')).status, 0);
  const listed = await ring(state, 'getVirNum', '--json');
  assert.equal(listed.status, 0, listed.stderr);
  const answer = JSON.parse(listed.stdout) as { servers: { server: string; points: number }[] };
  assert.deepEqual(answer.servers.map((s) => [s.server, s.points]), [['10.0.0.1:6000', 150], ['10.0.0.2:6000', 160]]);
  const del = await ring(state, 'del', '10.0.0.1', '6000');
  assert.match(del.stdout, /removed 10\.0\.0\.1:6000 \(1 server left\)/);
  assert.match((await ring(state, 'getVirNum')).stdout, /^10\.0\.0\.2:6000\s+160\s+160\s+1$/m);
});

test('dchat ring add says when a point count is not a multiple of 160 and so not exact to nginx', async () => {
  const state = join(dir, 'note.json');
  const added = await ring(state, 'add', '10.0.0.1', '6000', '150');
  assert.match(added.stdout, /added 10\.0\.0\.1:6000 with 150 virtual nodes/);
  assert.match(added.stdout, /150 is not a multiple of 160/);
  const nginx = await ring(state, 'nginx', 'chat');
  assert.match(nginx.stdout, /upstream chat \{\n    hash \$remote_addr consistent;\n    # 10\.0\.0\.1:6000 has 150 points/);
  assert.equal(nginx.stderr, '', 'the comment in the upstream says it; no second note');
});

test('dchat ring shell: showTime --all as docs/ring.md writes it, did you mean, not a number, help in columns', async () => {
  const state = join(dir, 'shell-ux.json');
  const input = 'add 10.0.0.1 6000 2\nshowTime --all\nadd foo bar\ndle 10.0.0.1 6000\nhelp\n';
  const run = await runDchat(['ring', '--state', state], { input });
  assert.equal(run.status, 1, 'two lines failed');
  assert.equal(run.stdout.match(/10\.0\.0\.1:6000$/gm)?.length, 2, `both points listed by showTime --all:\n${run.stdout}`);
  assert.match(run.stderr, /port "bar" is not a number/);
  assert.match(run.stderr, /unknown command "dle": did you mean del\?/);
  const help = run.stdout.split('\n').filter((line) => /^  \S/.test(line));
  const columns = new Set(help.map((line) => line.search(/\S {2,}\S/) + line.slice(line.search(/\S {2,}\S/)).search(/ \S/) + 1));
  assert.equal(help.length, 10, run.stdout);
  assert.equal(columns.size, 1, `the descriptions start in one column:\n${help.join('\n')}`);
});

test('dchat ring get names the server and hash, and the client port does not move the client', async () => {
  const state = join(dir, 'get.json');
  for (const host of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) await ring(state, 'add', host, '6000');
  const first = JSON.parse((await ring(state, 'get', '192.0.2.7', '1111', '--json')).stdout) as Record<string, unknown>;
  const second = JSON.parse((await ring(state, 'get', '192.0.2.7', '2222', '--json')).stdout) as Record<string, unknown>;
  assert.equal(first['ok'], true);
  assert.equal(first['server'], second['server']);
  const text = await ring(state, 'get', '192.0.2.7', '1111');
  assert.match(text.stdout, new RegExp(`^192\\.0\\.2\\.7:1111 -> ${String(first['server']).replace(/\./g, '\\.')}  \\(crc32\\("192\\.0\\.2\\.7"\\) 0x[0-9a-f]{8}, point #\\d+ 0x[0-9a-f]{8}\\)$`, 'm'));
});

test('dchat ring rejects bad input with a clear message and exit status 1', async () => {
  const state = join(dir, 'bad.json');
  await ring(state, 'add', '10.0.0.1', '6000');
  const cases: [string[], RegExp][] = [
    [['del', '10.0.0.9', '6000'], /server 10\.0\.0\.9:6000 is not on the ring \(servers are 10\.0\.0\.1:6000\)/],
    [['add', '10.0.0.2', '70000'], /port "70000" is out of range/],
    [['add', '10.0.0.2', '6000', '0'], /NUM \(virtual nodes\) "0" is not a whole number >= 1/],
    [['add', '10.0.0.256', '6000'], /"10\.0\.0\.256" is not an IPv4 address/],
    [['add', '10.0.0.1', '6000'], /already on the ring/],
    [['get', 'not-an-ip'], /client "not-an-ip" is not an IP address/],
  ];
  for (const [args, message] of cases) {
    const run = await ring(state, ...args);
    assert.equal(run.status, 1, args.join(' '));
    assert.match(run.stderr, message, args.join(' '));
  }
  const json = await ring(state, 'del', '10.0.0.9', '6000', '--json');
  assert.deepEqual(Object.keys(JSON.parse(json.stdout) as object), ['ok', 'error']);
  assert.match(json.stdout, /"code":"DCHAT_RING_UNKNOWN_SERVER"/);
});

test('dchat ring reports a corrupt state file and how to recover', async () => {
  const state = join(dir, 'corrupt.json');
  writeFileSync(state, '{ not json');
  const run = await ring(state, 'getVirNum');
  assert.equal(run.status, 1);
  assert.match(run.stderr, /the ring state .*corrupt\.json is not JSON .*: fix the file, or remove it to start an empty ring/);
});

test('dchat ring shell reads commands from a pipe, shares the state, and fails when one failed', async () => {
  const state = join(dir, 'shell.json');
  const input = ['add 10.0.0.1 6000 160', 'ADD 10.0.0.2 6000 320', 'getvirnum', 'showTime 1', 'bogus', 'help', 'quit', 'add 10.0.0.9 6000'].join('\n') + '\n';
  const run = await runDchat(['ring', '--state', state], { input });
  assert.equal(run.status, 1, 'the bogus line failed');
  assert.match(run.stdout, /added 10\.0\.0\.2:6000 with 320 virtual nodes \(2 servers on the ring\)/);
  assert.match(run.stdout, /page 1 of 10 \(480 points\); `showTime 2` for the next/);
  assert.match(run.stdout, /commands:\n  add HOST PORT \[NUM\]/);
  assert.match(run.stderr, /unknown command "bogus"/);
  const file = JSON.parse(readFileSync(state, 'utf8')) as { servers: unknown[] };
  assert.equal(file.servers.length, 2, 'nothing after quit ran');
});

test('dchat ring from-nginx loads servers and weights and notes a down server', async () => {
  const state = join(dir, 'from.json');
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, 'stream { upstream chat { hash $remote_addr consistent;\n server 127.0.0.1:6000 weight=2;\n server 127.0.0.1:6002;\n server 127.0.0.1:6004 down; } }\n');
  const run = await ring(state, 'from-nginx', conf);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /loaded 2 servers of upstream chat/);
  assert.match(run.stdout, /note: server 127\.0\.0\.1:6004 is down/);
  const listed = JSON.parse((await ring(state, 'getVirNum', '--json')).stdout) as { servers: { server: string; points: number }[] };
  assert.deepEqual(listed.servers.map((s) => [s.server, s.points]), [['127.0.0.1:6000', 320], ['127.0.0.1:6002', 160]]);
  const stats = await ring(state, 'stats', '2000');
  assert.match(stats.stdout, /max\/mean: \d\.\d{3} of the circle, \d\.\d{3} of 2000 sample client addresses/);
});

test('dchat ring --help lists the commands with examples', async () => {
  const help = await runDchat(['ring', '--help']);
  assert.equal(help.status, 0);
  for (const command of ['add <host> <port> [num]', 'del <host> <port>', 'get <host> [port]', 'getVirNum', 'showTime', 'stats', 'nginx', 'from-nginx <file>']) {
    assert.ok(help.stdout.includes(command), command);
  }
  assert.match(help.stdout, /Examples:/);
});

test('dchat ring fails when the state file cannot be read rather than starting an empty ring', async () => {
  const run = await ring('/dev/null/ring.json', 'get', '10.0.0.1');
  assert.equal(run.status, 1);
  assert.match(run.stderr, /cannot read the ring state \/dev\/null\/ring\.json/);
});
