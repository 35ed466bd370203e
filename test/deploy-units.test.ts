// The systemd units in deploy/systemd are what an operator installs (docs/deploy.md), so systemd
// itself checks them: `systemd-analyze verify` accepts each with no complaint at all (it only
// warns, exit 0, about an unknown key or a bad value: a warning is a failure here), and each runs
// as the dchat user, takes the cluster secret as a credential, restarts on failure and is sandboxed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dchatBin, repoRoot } from './support/dchat-process.js';

const unitsDir = join(repoRoot, 'deploy', 'systemd');
const dchatUnits = ['dchat-server.service', 'dchat-rpc-server.service', 'dchat-lb.service'];
let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dchat-units-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs `systemd-analyze verify` on the unit texts, written under their names. verify requires
 * each ExecStart program to exist: /usr/bin/dchat becomes this checkout's bin/dchat.
 */
function verify(units: Record<string, string>): { status: number | null; output: string } {
  const paths = Object.entries(units).map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text.replaceAll('/usr/bin/dchat', dchatBin));
    return path;
  });
  const result = spawnSync('systemd-analyze', ['verify', '--man=no', ...paths], { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_LEVEL: 'notice' } });
  if (result.error) {
    throw new Error(`systemd-analyze is not installed (${result.error.message}): it comes with Debian's systemd package; run \`bash scripts/install-system-deps.sh\` (or apt-get install systemd)`);
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

const unitText = (name: string): string => readFileSync(join(unitsDir, name), 'utf8');

/** The value of every `Key=` line of the unit (continuation lines joined). */
function settings(text: string, key: string): string[] {
  const joined = text.replace(/\\\n\s*/g, ' ');
  return joined.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1).trim());
}

test('systemd-analyze verify accepts every unit in deploy/systemd without a warning', () => {
  const names = readdirSync(unitsDir).filter((n) => n.endsWith('.service'));
  assert.deepEqual(dchatUnits.filter((u) => !names.includes(u)), [], 'a unit for dchat server, rpc-server and lb');
  const result = verify(Object.fromEntries(names.map((n) => [n, unitText(n)])));
  assert.equal(result.output, '', `systemd-analyze verify complained:\n${result.output}`);
  assert.equal(result.status, 0);
});

test('the check fails on a unit with a misspelt key or a bad value (it is not a check that cannot fail)', () => {
  const broken = unitText('dchat-server.service').replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes').replace('Restart=on-failure', 'Restart=sometimes');
  const result = verify({ 'dchat-server.service': broken });
  assert.match(result.output, /Unknown key 'NoNewPrivilege'/);
  assert.match(result.output, /restart specifier.*sometimes/);
});

for (const name of dchatUnits) {
  test(`${name} runs as dchat, reads the secret from a credential only it can read, restarts on failure, sandboxed`, () => {
    const text = unitText(name);
    assert.deepEqual(settings(text, 'User'), ['dchat']);
    assert.deepEqual(settings(text, 'LoadCredential'), ['cluster-secret:/etc/dchat/cluster-secret']);
    const [execStart = ''] = settings(text, 'ExecStart');
    assert.match(execStart, /^\/usr\/bin\/dchat \S+ --cluster-secret-file %d\/cluster-secret /);
    assert.doesNotMatch(text, /DCHAT_CLUSTER_SECRET|--cluster-secret /, 'the secret itself never in an environment or on a command line');
    assert.deepEqual(settings(text, 'Restart'), ['on-failure']);
    for (const [key, value] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes'], ['CapabilityBoundingSet', ''], ['UMask', '0077']]) {
      assert.deepEqual(settings(text, key ?? ''), [value], `${name}: ${key}=${value}`);
    }
  });
}
