// `dchat up --cluster N` as a real process for end-to-end tests: started in a fresh directory,
// ready once it prints its step [7/7], and stopped by `dchat down` and then by the pid of every
// process its state file ever listed, also when the test failed.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDchat } from './dchat-process.js';
import { runDchat } from './run-dchat.js';
import { waitFor } from './wait.js';

/** What the tests read of DIR/cluster.json. */
export interface UpStateFile {
  supervisorPid: number;
  entry: string;
  zk: string;
  db: string;
  processes: { name: string; role: string; pid: number; port: number | undefined }[];
}

export interface DchatUpRun {
  readonly dir: string;
  readonly up: ChildProcess;
  /** Everything dchat up printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with dchat up's exit code. */
  readonly exited: Promise<number | null>;
  /** DIR/cluster.json as it is now. */
  state(): UpStateFile;
  /** `dchat down`, then SIGKILL to whatever any state file of the run listed and still runs; removes DIR. */
  stop(): Promise<void>;
}

/** Alive and not a zombie: a stopped child of ours may linger as one until it is reaped. */
export function isAlive(pid: number): boolean {
  try {
    return /^State:\s+[^Z]/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

export async function startDchatUp(nodes: number, dirPrefix: string): Promise<DchatUpRun> {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  const up = spawnDchat(['up', '--cluster', String(nodes), '--dir', dir, '--port', '0']);
  let output = '';
  up.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  up.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => up.once('close', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const stateFile = join(dir, 'cluster.json');
  const pidsSeen = new Set<number>();
  const state = (): UpStateFile => {
    const read = JSON.parse(readFileSync(stateFile, 'utf8')) as UpStateFile;
    for (const p of read.processes) pidsSeen.add(p.pid);
    return read;
  };
  const stop = async (): Promise<void> => {
    if (existsSync(stateFile)) {
      state();
      await runDchat(['down', '--dir', dir], { timeoutMs: 90_000 }).catch(() => undefined);
    }
    for (const pid of pidsSeen) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (up.exitCode === null && up.signalCode === null) up.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const run: DchatUpRun = { dir, up, output: () => output, exited, state, stop };
  try {
    await waitFor(
      () => {
        if (exitCode !== undefined) throw new Error(`dchat up --cluster ${nodes} exited with ${String(exitCode)} before it was ready:\n${output}`);
        return /\[7\/7\] dchat cluster ready on/.test(output);
      },
      180_000,
      `dchat up --cluster ${nodes} to print its ready line`,
      100,
    );
    state();
    return run;
  } catch (err) {
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}; dchat up printed:\n${output}`, { cause: err });
  }
}
