#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with node's own test runner, one file at a
// time: the end-to-end tests start real ZooKeeper, MariaDB, nginx and dchat processes, and two
// cores are better spent on one of them than on two fighting for the CPU.
// Usage: node scripts/run-tests.mjs [substring ...]   (only files whose path contains one)
// Before any test it makes sure the Debian packages the tests start are there: as root, or with
// sudo that needs no password, it installs the missing ones (scripts/install-system-deps.sh);
// otherwise it stops with one line naming that command, rather than let dozens of tests fail.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (entry.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const installScript = join(root, 'scripts', 'install-system-deps.sh');

/** The missing Debian packages, by the install script's own list. */
function missingSystemPackages() {
  const check = spawnSync('bash', [installScript, '--check'], { encoding: 'utf8' });
  return check.status === 0 ? [] : check.stdout.trim().split(/\s+/).filter(Boolean);
}

function canInstall() {
  if (process.getuid?.() === 0) return true;
  return spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
}

function ensureSystemPackages() {
  const missing = missingSystemPackages();
  if (missing.length === 0) return;
  const command = `${process.getuid?.() === 0 ? '' : 'sudo '}bash scripts/install-system-deps.sh`;
  if (!canInstall()) {
    console.error(`the tests need Debian packages that are not installed (${missing.join(' ')}): run \`${command}\`, then test again`);
    process.exit(1);
  }
  console.error(`installing the Debian packages the tests need: ${missing.join(' ')}`);
  const install = spawnSync('bash', [installScript], { stdio: 'inherit' });
  if (install.status !== 0) {
    console.error(`installing ${missing.join(' ')} failed (exit ${install.status}): fix what apt-get said above and run \`${command}\``);
    process.exit(1);
  }
}

ensureSystemPackages();
const filters = process.argv.slice(2);
const files = findTests(dist)
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files under ${dist}${filters.length ? ` matching ${filters.join(', ')}` : ''}: run \`npm run build\` first`);
  process.exit(1);
}
const args = ['--enable-source-maps', '--test', '--test-concurrency=1', '--test-timeout=300000', ...files];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
