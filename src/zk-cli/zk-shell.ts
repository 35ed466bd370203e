// The interactive `dchat zk` shell: one session for the whole shell (so `create -e` znodes live
// until it ends), line editing, and a history kept across runs. Fed by a pipe it prints no
// prompt, runs every line, and ends with exit status 1 if any command failed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ZkSession, ZkSessionEvent } from '../zk/zk-session.js';
import { executeZkOperation } from './zk-executor.js';
import { parseZkWords, splitWords } from './zk-operation.js';
import type { ZkOutput } from './zk-output.js';

const historySize = 500;

export interface ZkShellOptions {
  session: ZkSession;
  output: ZkOutput;
  historyFile: string;
  input?: Readable & { isTTY?: boolean };
  terminal?: Writable & { isTTY?: boolean };
}

/** Runs the shell until quit or end of input; resolves with the exit status. */
export async function runZkShell(options: ZkShellOptions): Promise<number> {
  const input = options.input ?? process.stdin;
  const terminal = options.terminal ?? process.stdout;
  const isInteractive = Boolean(input.isTTY && terminal.isTTY);
  const rl = createInterface({
    input,
    output: terminal,
    terminal: isInteractive,
    prompt: `zk ${options.session.connectString}> `,
    history: isInteractive ? readHistory(options.historyFile) : [],
    historySize,
    removeHistoryDuplicates: true,
  });
  let history: string[] = [];
  rl.on('history', (lines: string[]) => (history = lines));
  const onState = (event: ZkSessionEvent): void => {
    if (event === 'expired') options.output.note('the ZooKeeper session expired: opening a new one; ephemerals made with -e are put back');
  };
  options.session.on('state', onState);
  if (isInteractive) {
    options.output.note(`connected to ZooKeeper at ${options.session.connectString} (session 0x${options.session.sessionId()}); \`help\` lists the commands`);
    rl.prompt();
  }
  let failures = 0;
  for await (const line of rl) {
    const outcome = await runLine(line, options);
    if (outcome === 'failed') failures++;
    if (outcome === 'quit') break;
    if (isInteractive) rl.prompt();
  }
  rl.close();
  options.session.off('state', onState);
  if (isInteractive) writeHistory(options.historyFile, history);
  return isInteractive || failures === 0 ? 0 : 1;
}

async function runLine(line: string, options: ZkShellOptions): Promise<'ok' | 'failed' | 'quit' | 'empty'> {
  const words = splitWords(line);
  if (!words.ok) {
    options.output.failure(words.error);
    return 'failed';
  }
  if (words.value.length === 0 || words.value[0]?.startsWith('#')) return 'empty';
  const op = parseZkWords(words.value);
  if (!op.ok) {
    options.output.failure(op.error);
    return 'failed';
  }
  const result = await executeZkOperation(op.value, options.session);
  if (!result.ok) {
    options.output.failure(result.error);
    return 'failed';
  }
  options.output.answer(result.value);
  return result.value.kind === 'quit' ? 'quit' : 'ok';
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
    // Losing one shell's history is not worth failing the shell over.
  }
}
