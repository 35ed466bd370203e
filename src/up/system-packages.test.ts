import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installCommand, missingPackages, missingPackagesError } from './system-packages.js';

test('a missing package is named with the script and the exact apt-get command, and --install', () => {
  const error = missingPackagesError(['nginx-light', 'libnginx-mod-stream']);
  assert.equal(error.code, 'DCHAT_UP_MISSING_PACKAGES');
  assert.equal(
    error.message,
    'nginx-light, libnginx-mod-stream are not installed: run `bash scripts/install-system-deps.sh` ' +
      '(or `apt-get update && apt-get install -y nginx-light libnginx-mod-stream`), or add --install to let dchat up run it',
  );
});

test('the install command lists every package of a full cluster', () => {
  assert.equal(installCommand(['zookeeper', 'mariadb-server', 'nginx-light', 'libnginx-mod-stream']), 'apt-get install -y zookeeper mariadb-server nginx-light libnginx-mod-stream');
});

test('missing packages finds none on this machine, where all are installed', () => {
  assert.deepEqual(missingPackages(), [], 'zookeeper, mariadb-server, nginx-light, libnginx-mod-stream: run `bash scripts/install-system-deps.sh`');
});
