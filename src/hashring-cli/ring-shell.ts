// The interactive `dchat ring` shell: the seed's add/del/get/getVirNum/showTime and the rest,
// one per line, with line editing and a history kept across runs. Fed by a pipe it reads
// commands until end of input, prints no prompt, and exits 1 if any command failed.
import { runInteractiveShell, type ShellLineOutcome, type ShellStreams } from '../base/interactive-shell.js';
import type { RingOutput } from './ring-runner.js';
import { runRingWords } from './ring-runner.js';
import type { RingStore } from './ring-store.js';

export interface RingShellOptions extends ShellStreams {
  store: RingStore;
  output: RingOutput;
  historyFile: string;
}

export function runRingShell(options: RingShellOptions): Promise<number> {
  return runInteractiveShell({
    prompt: 'ring> ',
    historyFile: options.historyFile,
    greet: () => options.output.out(`dchat ring on ${options.store.description}; \`help\` lists the commands`),
    runLine: (line) => runLine(line, options),
    input: options.input,
    terminal: options.terminal,
  });
}

async function runLine(line: string, options: RingShellOptions): Promise<ShellLineOutcome> {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return 'ok';
  const result = await runRingWords(words, options.store, options.output);
  if (result === undefined) return 'failed';
  return result.kind === 'quit' ? 'quit' : 'ok';
}
