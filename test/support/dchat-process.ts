// Real `dchat` processes for end-to-end tests: started from the compiled binary, ready when
// they print their listening line, stopped by pid (SIGTERM, then SIGKILL) even when a test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterSecret } from '../../src/base/cluster-secret.js';
import { killChildOnExit } from './test-services.js';

/**
 * The cluster secret of the dchat processes a test file starts (each test file runs in its own
 * process, so each has its own): every process gets it as DCHAT_CLUSTER_SECRET, and the test's
 * own ZooKeeper sessions read dchat's locked znodes with testZkDigests.
 */
export const testClusterSecret = ClusterSecret.generate();
export const testZkDigests = ClusterSecret.of([testClusterSecret], 'the tests\' secret').zkDigests();
/** The bearer token the --metrics addresses of the test's dchat processes ask for. */
export const testMetricsToken = ClusterSecret.of([testClusterSecret], 'the tests\' secret').metricsToken();

/** GET of a --metrics address of a test's dchat process, with its bearer token. */
export function fetchOps(url: string, token = testMetricsToken): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${token}` } });
}

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const dchatBin = join(repoRoot, 'bin', 'dchat');

export interface DchatProcess {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited(): Promise<number | null>;
  stop(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface DchatStartOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Runs the process elsewhere: `ip netns exec NS` for another host. */
  commandPrefix?: readonly string[];
}

/** Spawns `dchat args`; `commandPrefix` runs it elsewhere (`ip netns exec NS` for another host). */
export function spawnDchat(args: string[], env: NodeJS.ProcessEnv = {}, commandPrefix: readonly string[] = []): ChildProcess {
  const [program, ...prefixArgs] = [...commandPrefix, process.execPath];
  return killChildOnExit(spawn(program ?? process.execPath, [...prefixArgs, dchatBin, ...args], { cwd: repoRoot, env: { ...process.env, DCHAT_CLUSTER_SECRET: testClusterSecret, ...env }, stdio: ['pipe', 'pipe', 'pipe'] }));
}

/** Starts `dchat server` on a free port in a fresh data directory (unless args name their own). */
export function startDchatServer(args: string[] = [], options: DchatStartOptions = {}): Promise<DchatProcess> {
  return startDchatProcess('server', args, /dchat server listening on (\S+):(\d+)/, options);
}

/** Starts `dchat rpc-server` on a free port in a fresh data directory (unless args name their own). */
export function startDchatRpcServer(args: string[] = [], options: DchatStartOptions = {}): Promise<DchatProcess> {
  return startDchatProcess('rpc-server', args, /dchat rpc-server serving .* on (\S+):(\d+) \(/, options);
}

/** Starts `dchat <command>`; ready once its output matches `ready`, whose two groups are host and port. */
async function startDchatProcess(command: string, args: string[], ready: RegExp, options: DchatStartOptions): Promise<DchatProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dchat-node-'));
  const defaults = [...(args.includes('--port') ? [] : ['--port', '0']), ...(args.includes('--data-dir') ? [] : ['--data-dir', dataDir])];
  const child = spawnDchat([command, ...defaults, ...args], options.env, options.commandPrefix);
  let output = '';
  // 'close', not 'exit': it comes after the last output of the process was read.
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const listening = new Promise<{ host: string; port: number }>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) resolve({ host: match[1] ?? '', port: Number(match[2]) });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exit.then((code) => reject(new Error(`dchat ${command} exited with code ${String(code)} before listening:\n${output}`)));
  });
  const timeoutMs = options.timeoutMs ?? 20_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`dchat ${command} did not print its ready line within ${timeoutMs} ms:\n${output}`)), timeoutMs);
  });
  const pid = child.pid ?? 0;
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exit;
  };
  const stop = async (): Promise<void> => {
    const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await kill('SIGTERM');
    clearTimeout(force);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const address = await Promise.race([listening, timeout]);
    return { pid, ...address, dataDir, output: () => output, exited: () => exit, stop, kill };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
