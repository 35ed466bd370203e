// Numeric options that do not parse: every command refuses them before doing anything, quoting
// what was typed and saying what it wants, with exit status 1 (yargs' status for a failed check).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { dchatBin } from './support/dchat-process.js';

const cases: { args: string[]; says: RegExp }[] = [
  { args: ['server', '--port', 'abc'], says: /--port "abc" is not a port number: give a whole number from 0 to 65535/ },
  { args: ['server', '--port', '0', '--weight', '0'], says: /--weight "0" is not valid: give the node's share in nginx's upstream, a whole number of at least 1/ },
  { args: ['server', '--rpc-port', '70000'], says: /--rpc-port "70000" is not a port number/ },
  { args: ['rpc-server', '--port', '-1'], says: /--port "-1" is not a port number/ },
  { args: ['server', '--port', '0', '--login-source-rate', 'fast'], says: /--login-source-rate "fast" is not a rate: give BURST:PER_SECOND, e\.g\. 20:1/ },
  { args: ['server', '--port', '0', '--kdf-max-wait-ms', 'x'], says: /--kdf-max-wait-ms "x" is not valid: give milliseconds/ },
  { args: ['rpc-server', '--kdf-concurrency', '0'], says: /--kdf-concurrency "0" is not valid/ },
  { args: ['up', '--port', '6e3x'], says: /--port "6e3x" is not a port number/ },
  { args: ['client', '--plain', '--linger-ms', 'soon'], says: /--linger-ms "soon" is not valid: give milliseconds/ },
  { args: ['zk', 'ls', '/', '--connect-timeout-ms', 'x'], says: /--connect-timeout-ms "x" is not valid/ },
  { args: ['lb', '--zk', '127.0.0.1:1', '--conf', '/nonexistent/nginx.conf', '--max-fails', 'x'], says: /--max-fails "x" is not valid/ },
  { args: ['ring', 'showTime', '--page-size', '0'], says: /--page-size "0" is not valid: give points per page, a whole number of at least 1/ },
  { args: ['server', '--metrics', '9464'], says: /--metrics "9464" is not host:port; write e\.g\. 127\.0\.0\.1:9464 \(port 0 picks a free one\)/ },
  { args: ['rpc-server', '--metrics', '127.0.0.1:99999'], says: /--metrics "127\.0\.0\.1:99999" is not host:port/ },
  { args: ['lb', '--zk', '127.0.0.1:1', '--conf', '/nonexistent/nginx.conf', '--metrics', 'localhost'], says: /--metrics "localhost" is not host:port/ },
];

for (const { args, says } of cases) {
  test(`dchat ${args.join(' ')} is refused before it starts anything`, () => {
    const result = spawnSync(dchatBin, args, { encoding: 'utf8', timeout: 20_000, input: '' });
    assert.equal(result.status, 1, `exit status of dchat ${args.join(' ')}; stderr: ${result.stderr}`);
    assert.match(result.stderr, says);
  });
}

test('an unknown option is refused with the option it was probably meant to be', () => {
  const result = spawnSync(dchatBin, ['server', '--prot', '7000'], { encoding: 'utf8', timeout: 20_000, input: '' });
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /Unknown argument: prot; did you mean --port\?/);
  const once = spawnSync(dchatBin, ['console', '--zk', '127.0.0.1:1', '--onse'], { encoding: 'utf8', timeout: 20_000, input: '' });
  assert.match(once.stderr, /Unknown argument: onse; did you mean --once\?/);
});

test('dchat --version prints the version of dchat, from any directory', () => {
  const version = (JSON.parse(readFileSync(join(dirname(dchatBin), '..', 'package.json'), 'utf8')) as { version: string }).version;
  const result = spawnSync(dchatBin, ['--version'], { encoding: 'utf8', timeout: 20_000, cwd: tmpdir() });
  assert.equal(result.stdout.trim(), version);
});

test('--help prints every example whole, its command on a line of its own', () => {
  const result = spawnSync(dchatBin, ['client', '--help'], { encoding: 'utf8', timeout: 20_000 });
  assert.match(result.stdout, /\n {2}printf 'login:1:secret\\nchat:2:hello\\nloginout\\n' \| dchat client --plain\n {6}a scripted session\n/, result.stdout);
});
