// Starts rpc-test-provider.js as a separate process and waits for its "serving" line. The pid is
// recorded so that the test kills it in its finally hook, and a process 'exit' hook kills what a
// crashed test left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./rpc-test-provider.js', import.meta.url));
const livePids = new Set<number>();
process.on('exit', () => {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export interface TestProviderProcess {
  readonly address: string;
  readonly pid: number;
  readonly sessionId: string;
  /** SIGKILL: a crash, nothing is unregistered; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM: the provider unregisters and stops; resolves once the process is gone. */
  stop(): Promise<void>;
}

export async function spawnTestProvider(args: string[] = [], readyTimeoutMs = 15_000): Promise<TestProviderProcess> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  livePids.add(child.pid);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => livePids.delete(child.pid!));
  const line = await firstLine(child, exited, readyTimeoutMs, () => stderr);
  const info = JSON.parse(line) as { address: string; pid: number; sessionId: string };
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { ...info, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

function firstLine(child: ChildProcess, exited: Promise<void>, timeoutMs: number, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${timeoutMs} ms waiting for the test provider to serve; its stderr:\n${stderr()}`));
    }, timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the test provider exited before serving; its stderr:\n${stderr()}`));
    });
  });
}
