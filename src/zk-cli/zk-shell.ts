// The interactive `dchat zk` shell: one session for the whole shell (so `create -e` znodes live
// until it ends), line editing, and a history kept across runs. Fed by a pipe it prints no
// prompt, runs every line, and ends with exit status 1 if any command failed.
import { runInteractiveShell, type ShellLineOutcome, type ShellStreams } from '../base/interactive-shell.js';
import type { ZkSession, ZkSessionEvent } from '../zk/zk-session.js';
import { executeZkOperation } from './zk-executor.js';
import { parseZkWords, splitWords } from './zk-operation.js';
import type { ZkOutput } from './zk-output.js';

export interface ZkShellOptions extends ShellStreams {
  session: ZkSession;
  output: ZkOutput;
  historyFile: string;
}

/** Runs the shell until quit or end of input; resolves with the exit status. */
export async function runZkShell(options: ZkShellOptions): Promise<number> {
  const { session, output } = options;
  const onState = (event: ZkSessionEvent): void => {
    if (event === 'expired') output.note('the ZooKeeper session expired: opening a new one; ephemerals made with -e are put back');
  };
  session.on('state', onState);
  try {
    return await runInteractiveShell({
      prompt: `zk ${session.connectString}> `,
      historyFile: options.historyFile,
      greet: () => output.note(`connected to ZooKeeper at ${session.connectString} (session 0x${session.sessionId()}); \`help\` lists the commands`),
      runLine: (line) => runLine(line, options),
      input: options.input,
      terminal: options.terminal,
    });
  } finally {
    session.off('state', onState);
  }
}

async function runLine(line: string, options: ZkShellOptions): Promise<ShellLineOutcome> {
  const words = splitWords(line);
  if (!words.ok) {
    options.output.failure(words.error);
    return 'failed';
  }
  if (words.value.length === 0 || words.value[0]?.startsWith('#')) return 'ok';
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
