#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with node's own test runner, one file at a
// time: the end-to-end tests start real ZooKeeper, MariaDB, nginx and dchat processes, and two
// cores are better spent on one of them than on two fighting for the CPU.
// Usage: node scripts/run-tests.mjs [substring ...]   (only files whose path contains one)
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
