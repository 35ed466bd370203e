// The interactive `dchat ring` shell: the seed's add/del/get/getVirNum/showTime and the rest,
// one per line, with line editing and a history kept across runs. Fed by a pipe it reads
// commands until end of input, prints no prompt, and exits 1 if any command failed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { RingOutput } from './ring-runner.js';
import { runRingWords } from './ring-runner.js';
import type { RingStore } from './ring-store.js';

const HISTORY_SIZE = 500;

export interface RingShellOptions {
  store: RingStore;
  output: RingOutput;
  historyFile: string;
  input?: Readable & { isTTY?: boolean };
  terminal?: Writable & { isTTY?: boolean };
}

export async function runRingShell(options: RingShellOptions): Promise<number> {
  const input = options.input ?? process.stdin;
  const terminal = options.terminal ?? process.stdout;
  const isInteractive = Boolean(input.isTTY && terminal.isTTY);
  const rl = createInterface({
    input,
    output: terminal,
    terminal: isInteractive,
    prompt: 'ring> ',
    history: isInteractive ? readHistory(options.historyFile) : [],
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
  });
  let history: string[] = [];
  rl.on('history', (lines: string[]) => (history = lines));
  if (isInteractive) {
    options.output.out(`dchat ring on ${options.store.description}; \`help\` lists the commands`);
    rl.prompt();
  }
  let failures = 0;
  for await (const line of rl) {
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length > 0) {
      const result = await runRingWords(words, options.store, options.output);
      if (result === undefined) failures++;
      if (result?.kind === 'quit') break;
    }
    if (isInteractive) rl.prompt();
  }
  rl.close();
  if (isInteractive) writeHistory(options.historyFile, history);
  return isInteractive || failures === 0 ? 0 : 1;
}

/** History lines, newest first (readline's order). A missing file is an empty history. */
function readHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

function writeHistory(file: string, lines: string[]): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, lines.slice(0, HISTORY_SIZE).join('\n') + '\n');
  } catch {
    // Losing the history of one session is not worth failing the shell over.
  }
}
