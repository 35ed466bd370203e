// Runs the real `dchat` executable (bin/dchat over the compiled dist/) to completion, with
// optional stdin, and returns its exit status and output.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testClusterSecret } from './dchat-process.js';

/** The repository root, from dist/test/support/ where this file runs. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dchatBin = join(repoRoot, 'bin', 'dchat');

export interface DchatRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runDchat(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<DchatRun> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [dchatBin, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { DCHAT_CLUSTER_SECRET: testClusterSecret, ...(options.env ?? process.env) } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dchat ${args.join(' ')} did not exit within ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
