// The Debian packages a local cluster runs on, found by the files dchat uses from them. A
// missing one is named with the exact command that installs it, or installed with --install.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { DchatError } from '../base/dchat-error.js';

export const clusterBinaries = {
  java: '/usr/bin/java',
  zookeeperJar: '/usr/share/java/zookeeper.jar',
  zookeeperClassPath: '/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar',
  mariadbd: '/usr/sbin/mariadbd',
  mariadbInstallDb: '/usr/bin/mariadb-install-db',
  nginx: '/usr/sbin/nginx',
  nginxStreamModule: '/usr/lib/nginx/modules/ngx_stream_module.so',
} as const;

const neededFiles: { debianPackage: string; file: string }[] = [
  { debianPackage: 'zookeeper', file: clusterBinaries.zookeeperJar },
  { debianPackage: 'zookeeper', file: clusterBinaries.java },
  { debianPackage: 'mariadb-server', file: clusterBinaries.mariadbd },
  { debianPackage: 'mariadb-server', file: clusterBinaries.mariadbInstallDb },
  { debianPackage: 'nginx-light', file: clusterBinaries.nginx },
  { debianPackage: 'libnginx-mod-stream', file: clusterBinaries.nginxStreamModule },
];

/** The packages (of `among`, by default all) whose files are not there. */
export function missingPackages(among?: readonly string[]): string[] {
  const missing = new Set<string>();
  for (const { debianPackage, file } of neededFiles) {
    if (among && !among.includes(debianPackage)) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch {
      missing.add(debianPackage);
    }
  }
  return [...missing];
}

export function installCommand(packages: readonly string[]): string {
  return `apt-get install -y ${packages.join(' ')}`;
}

/** What is missing and the commands that install it. */
export function notInstalledMessage(packages: readonly string[]): string {
  return (
    `${packages.join(', ')} ${packages.length === 1 ? 'is' : 'are'} not installed: run \`bash scripts/install-system-deps.sh\` ` +
    `(or \`apt-get update && ${installCommand(packages)}\`)`
  );
}

export function missingPackagesError(packages: readonly string[]): DchatError {
  return new DchatError('DCHAT_UP_MISSING_PACKAGES', `${notInstalledMessage(packages)}, or add --install to let dchat up run it`);
}

/** Runs apt-get (through sudo unless root), its output shown; false when it failed. */
export function installPackages(packages: readonly string[], write: (line: string) => void): boolean {
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['apt-get', 'update', '-qq'], ['apt-get', 'install', '-y', '-qq', ...packages]]) {
    const command = [...sudo, ...args];
    write(`      running ${command.join(' ')}`);
    const result = spawnSync(command[0] ?? 'apt-get', command.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (result.status !== 0) return false;
  }
  return true;
}
