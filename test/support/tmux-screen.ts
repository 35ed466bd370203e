// A dchat program on a real terminal for end-to-end tests: tmux runs it in a detached session
// of a given size on a server of its own (`tmux -L <socket>`), keys go in with send-keys and the
// screen comes back as text from capture-pane. stop() kills that tmux server, and with it the
// program, also when the test failed.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { dchatBin, testClusterSecret } from './dchat-process.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);
const tmuxBinary = '/usr/bin/tmux';
let nextSocket = 0;

export interface TmuxScreen {
  readonly socket: string;
  /** The visible screen, one line per row, trailing spaces trimmed. */
  capture(): Promise<string>;
  /** Key names as tmux knows them: 'Enter', 'Tab', 'BTab', 'PPage', 'C-c', 'Up'. */
  sendKeys(...keys: string[]): Promise<void>;
  /** Types text literally, as a person would. */
  type(text: string): Promise<void>;
  /** Waits for the screen to match; the error shows the last screen. */
  waitForScreen(pattern: RegExp, what: string, timeoutMs?: number): Promise<RegExpExecArray>;
  resize(columns: number, rows: number): Promise<void>;
  /** True while the program runs (the session ends with it). */
  isRunning(): Promise<boolean>;
  stop(): Promise<void>;
}

export function assertTmuxInstalled(): void {
  if (!existsSync(tmuxBinary)) throw new Error('tmux is not installed: run `bash scripts/install-system-deps.sh`');
}

/**
 * Runs `dchat <args>` in a tmux session of `columns` x `rows`, with `env` added. `after` is shell
 * text run once dchat exits (the pane, and what dchat left on it, stays while it runs).
 */
export async function startDchatInTmux(args: string[], options: { env?: Record<string, string>; columns?: number; rows?: number; after?: string } = {}): Promise<TmuxScreen> {
  assertTmuxInstalled();
  const socket = `dchat-test-${process.pid}-${nextSocket++}`;
  const tmux = (...tmuxArgs: string[]): Promise<{ stdout: string }> => run(tmuxBinary, ['-L', socket, ...tmuxArgs]);
  const envWords = Object.entries({ TERM: 'xterm-256color', DCHAT_CLUSTER_SECRET: testClusterSecret, ...options.env }).map(([k, v]) => `${k}=${shellQuote(v)}`);
  const dchat = ['env', ...envWords, shellQuote(process.execPath), shellQuote(dchatBin), ...args.map(shellQuote)].join(' ');
  const command = options.after === undefined ? `exec ${dchat}` : `${dchat}; ${options.after}`;
  // -f /dev/null: no user configuration may change keys or sizes.
  await run(tmuxBinary, ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'dchat', '-x', String(options.columns ?? 100), '-y', String(options.rows ?? 30), command]);
  let lastScreen = '';
  const capture = async (): Promise<string> => {
    const { stdout } = await tmux('capture-pane', '-p', '-t', 'dchat');
    lastScreen = stdout.replace(/\n$/, '').split('\n').map((line) => line.trimEnd()).join('\n');
    return lastScreen;
  };
  return {
    socket,
    capture,
    sendKeys: async (...keys) => void (await tmux('send-keys', '-t', 'dchat', ...keys)),
    type: async (text) => void (await tmux('send-keys', '-t', 'dchat', '-l', text)),
    waitForScreen: async (pattern, what, timeoutMs = 15_000) => {
      try {
        return await waitFor(async () => pattern.exec(await capture()) ?? undefined, timeoutMs, what);
      } catch (err) {
        throw new Error(`${err instanceof Error ? err.message : String(err)}; the screen showed:\n${lastScreen}`);
      }
    },
    resize: async (columns, rows) => void (await tmux('resize-window', '-t', 'dchat', '-x', String(columns), '-y', String(rows))),
    isRunning: async () => tmux('has-session', '-t', 'dchat').then(() => true, () => false),
    stop: async () => {
      try {
        execFileSync(tmuxBinary, ['-L', socket, 'kill-server'], { stdio: 'ignore' });
      } catch {
        // The server is gone already: the program ended and took its only session with it.
      }
    },
  };
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
