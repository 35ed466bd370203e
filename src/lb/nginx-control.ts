// Checking and reloading a running nginx the way an operator does it:
// `nginx -t -c CONF -p PREFIX/` then `nginx -s reload -c CONF -p PREFIX/`. The reload only
// signals the master (found through the `pid` file of CONF); a config that passed -t is then
// loaded by it, and old workers finish their connections and exit.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { StatusOr } from '../base/dchat-error.js';
import { LbError } from './lb-error.js';

export interface NginxTarget {
  /** The nginx executable. */
  binary: string;
  /** Absolute path of the nginx.conf that includes the upstream file. */
  configPath: string;
  /** nginx's prefix (-p): relative paths in the config (pid, logs) are taken from it. */
  prefix: string;
}

export type ReloadOutcome = 'reloaded' | 'not-running';

export const defaultNginxBinary = '/usr/sbin/nginx';
const commandTimeoutMs = 15_000;

export function nginxInstallHint(binary: string): string | undefined {
  if (existsSync(binary)) return undefined;
  return `${binary} is not installed: run \`bash scripts/install-system-deps.sh\` (or \`apt-get install -y nginx-light libnginx-mod-stream\`)`;
}

export async function testNginxConfig(target: NginxTarget): Promise<StatusOr<void, LbError>> {
  const result = await runNginx(target, ['-t', '-q']);
  if (result.ok) return { ok: true, value: undefined };
  return {
    ok: false,
    error: new LbError('DCHAT_LB_CONFIG_REJECTED', `nginx -t rejects ${target.configPath}: ${result.error}; the previous upstream was put back`),
  };
}

/** 'not-running' when nginx has no master to signal (no pid file, or its pid is gone). */
export async function reloadNginx(target: NginxTarget): Promise<StatusOr<ReloadOutcome, LbError>> {
  const result = await runNginx(target, ['-s', 'reload']);
  if (result.ok) return { ok: true, value: 'reloaded' };
  if (/nginx\.pid" failed|\.pid" failed \(2:|invalid PID number ""|kill\(\d+, 1\) failed \(3: No such process\)/.test(result.error)) {
    return { ok: true, value: 'not-running' };
  }
  return {
    ok: false,
    error: new LbError('DCHAT_LB_RELOAD_FAILED', `nginx -s reload -c ${target.configPath} -p ${prefixArg(target)} failed: ${result.error}`),
  };
}

function prefixArg(target: NginxTarget): string {
  return target.prefix.endsWith('/') ? target.prefix : `${target.prefix}/`;
}

function runNginx(target: NginxTarget, args: string[]): Promise<StatusOr<void, string>> {
  const fullArgs = [...args, '-c', target.configPath, '-p', prefixArg(target)];
  return new Promise((resolve) => {
    execFile(target.binary, fullArgs, { timeout: commandTimeoutMs, encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (!error) resolve({ ok: true, value: undefined });
      else resolve({ ok: false, error: (stderr.trim() || error.message).replace(/\s*\n\s*/g, '; ') });
    });
  });
}
