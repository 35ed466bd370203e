// A line-by-line shell of the dchat CLIs: on a terminal it prompts, edits lines and keeps a
// history across runs in a file; fed by a pipe it prints no prompt, runs every line, and ends
// with exit status 1 if any line failed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export type ShellLineOutcome = 'ok' | 'failed' | 'quit';

/** Where the shell reads and prompts; process.stdin and process.stdout unless given. */
export interface ShellStreams {
  input?: Readable & { isTTY?: boolean };
  terminal?: Writable & { isTTY?: boolean };
}

export interface InteractiveShellOptions extends ShellStreams {
  prompt: string;
  historyFile: string;
  /** Shown once before the first prompt, on a terminal only. */
  greet: () => void;
  runLine: (line: string) => Promise<ShellLineOutcome>;
}

const historySize = 500;

/** Runs lines until quit or end of input; resolves with the exit status. */
export async function runInteractiveShell(options: InteractiveShellOptions): Promise<number> {
  const input = options.input ?? process.stdin;
  const terminal = options.terminal ?? process.stdout;
  const isInteractive = Boolean(input.isTTY && terminal.isTTY);
  const rl = createInterface({
    input,
    output: terminal,
    terminal: isInteractive,
    prompt: options.prompt,
    history: isInteractive ? readHistory(options.historyFile) : [],
    historySize,
    removeHistoryDuplicates: true,
  });
  let history: string[] = [];
  rl.on('history', (lines: string[]) => (history = lines));
  if (isInteractive) {
    options.greet();
    rl.prompt();
  }
  let failures = 0;
  let hasQuit = false;
  for await (const line of rl) {
    const outcome = await options.runLine(line);
    if (outcome === 'failed') failures++;
    if (outcome === 'quit') {
      hasQuit = true;
      break;
    }
    if (isInteractive) rl.prompt();
  }
  rl.close();
  // Ctrl-D leaves the cursor after the prompt: end that line, as shells do, so the shell's own
  // prompt starts on a line of its own.
  if (isInteractive && !hasQuit) terminal.write('\n');
  if (isInteractive) writeHistory(options.historyFile, history);
  return isInteractive || failures === 0 ? 0 : 1;
}

/** History lines, newest first (readline's order). A missing file is an empty history. */
function readHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(0, historySize);
  } catch {
    return [];
  }
}

function writeHistory(file: string, lines: string[]): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, lines.slice(0, historySize).join('\n') + '\n');
  } catch {
    // Losing the history of one session is not worth failing the shell over.
  }
}
