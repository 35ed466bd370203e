// The test command on a machine without the Debian packages the end-to-end tests start: it
// stops before any test with one line naming the command that installs them, unless it can
// install them itself (root, or sudo without a password).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './support/run-dchat.js';

const runner = join(repoRoot, 'scripts', 'run-tests.mjs');
const isRoot = process.getuid?.() === 0;

/** Runs the runner as a user who cannot install packages: nobody when we are root. */
function runAsUnprivileged(packages: string, filter: string) {
  const env = { ...process.env, DCHAT_SYSTEM_PACKAGES: packages };
  const command = isRoot ? ['runuser', '-u', 'nobody', '--', process.execPath, runner, filter] : [process.execPath, runner, filter];
  return spawnSync(command[0] ?? 'runuser', command.slice(1), { encoding: 'utf8', env, timeout: 30_000 });
}

const sudoNeedsNoPassword = !isRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;

test('the test runner stops before any test with one line naming the install command when a package is missing', { skip: sudoNeedsNoPassword && 'this user could install packages' }, () => {
  const result = runAsUnprivileged('tmux dchat-no-such-package', 'test-runner-packages');
  assert.equal(result.status, 1, `exit status; stderr: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${result.stderr}`);
  assert.match(lines[0] ?? '', /Debian packages that are not installed \(dchat-no-such-package\): run `sudo bash scripts\/install-system-deps\.sh`/);
  assert.equal(result.stdout, '', 'no test ran');
});

test('the test runner goes on to the tests when every package is there', () => {
  const result = runAsUnprivileged('tmux', 'no-test-file-has-this-name');
  assert.match(result.stderr, /no test files under .* matching no-test-file-has-this-name/, `stderr: ${result.stderr}`);
});
