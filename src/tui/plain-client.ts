// `dchat client --plain`: the seed's line client. Commands come from a terminal or a pipe, one
// per line, and run one after the other; pushed messages are printed as they arrive. When the
// connection dies it reconnects and logs in again by itself (ChatSession). `loginout` ends the
// login and keeps the connection, so a later login goes on it. It stops at the end of its input
// (after lingering a moment for late messages) or on Ctrl-C; in a pipe its exit status is 1 when
// a command failed, and stderr says which lines.
// After a kick that stops automatic reconnection (the same user logged in elsewhere, no login
// in time) it says so and goes on reading: the next login connects again.
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { errorMessage, isDchatError } from '../base/dchat-error.js';
import { dchat } from '../gen/proto.js';
import { ChatSession } from '../client/chat-session.js';
import { commandWordOf, parseTypedCommand } from './command-parser.js';
import { describeEvent, runCommand } from './command-runner.js';
import { formatMessage } from './message-format.js';
import { visibleText } from './visible-text.js';

export interface PlainClientOptions {
  host: string;
  port: number;
  input: Readable;
  output: Writable;
  /** Where a pipe's failed commands are summed up at the end; process.stderr unless given. */
  errors?: Writable;
  isInteractive: boolean;
  /** After the input ends, how long to keep printing pushed messages before leaving. */
  lingerMs: number;
  pingIntervalMs?: number;
}

export async function runPlainClient(options: PlainClientOptions): Promise<number> {
  // Everything printed passes through visibleText: no byte from the server reaches the terminal
  // as a control sequence, whichever path it took.
  const print = (line: string): void => void options.output.write(`${visibleText(line)}\n`);
  // The command reader starts only once connected: lines read before anyone iterates them
  // would be lost, while unread input simply waits in the stream.
  let lines: Interface | undefined;
  // A line that arrives while the user types replaces the prompt line, and the prompt with the
  // half-typed command is drawn again below it.
  const printPushed = (line: string): void => {
    if (!options.isInteractive) return print(line);
    options.output.write(`\r\x1b[2K${visibleText(line)}\n`);
    lines?.prompt(true);
  };
  let wasEnded = false;
  const session = new ChatSession(
    { host: options.host, port: options.port, ...(options.pingIntervalMs !== undefined ? { pingIntervalMs: options.pingIntervalMs } : {}) },
    {
      message: (m) => printPushed(formatMessage(m)),
      event: (event) => {
        const text = describeEvent(event);
        if (text) printPushed(text);
      },
      status: (status, detail) => {
        if (status === 'reconnecting' || status === 'disconnected' || (status === 'connected' && detail.startsWith('reconnected'))) printPushed(detail);
        if (status === 'closed' && detail !== 'closed') {
          printPushed(`${detail}; exiting`);
          wasEnded = true;
          lines?.close();
        }
      },
      relogin: (response) =>
        printPushed(response.status === dchat.Status.OK ? `logged in again as ${response.login?.user?.name ?? ''} (${response.login?.user?.id ?? 0})` : `logging in again failed: ${response.errorText}`),
    },
  );
  try {
    await session.connect();
  } catch (err) {
    print(`error: ${errorMessage(err)}`);
    if (isDchatError(err, 'DCHAT_NET_CONNECT')) print('`dchat server` starts a chat node (127.0.0.1:6000 by default); `dchat up` starts one together with a client');
    return 1;
  }
  print(`connected to ${options.host}:${options.port}; type help for the commands`);
  lines = createInterface({
    input: options.input,
    terminal: options.isInteractive,
    ...(options.isInteractive ? { output: options.output, prompt: '> ' } : {}),
  });
  const failed = await readCommands(session, lines, options, print);
  if (!wasEnded && !options.isInteractive) await lingerFor(options.lingerMs);
  session.close();
  if (failed.length > 0 && !options.isInteractive) {
    (options.errors ?? process.stderr).write(`dchat client: ${failed.length} command(s) failed: ${failed.join(', ')}\n`);
    return 1;
  }
  return wasEnded ? 1 : 0;
}

/** Runs every line; returns the failed ones as "line N (command)", never with their arguments (a password). */
async function readCommands(session: ChatSession, lines: Interface, options: PlainClientOptions, print: (line: string) => void): Promise<string[]> {
  const prompt = (): void => (options.isInteractive ? lines.prompt() : undefined);
  const failed: string[] = [];
  let lineNumber = 0;
  prompt();
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() !== '') {
      const parsed = parseTypedCommand(line);
      let isFailed = !parsed.ok;
      if (!parsed.ok) {
        print(`error: ${parsed.error}`);
      } else {
        const outcome = await runCommand(session, parsed.command).catch((err: unknown) => ({ lines: [`error: ${errorMessage(err)}`], isError: true }));
        for (const text of outcome.lines) print(text);
        isFailed = outcome.isError;
      }
      if (isFailed) failed.push(`line ${lineNumber} (${commandWordOf(line.trim().replace(/^\//, '')) || 'empty'})`);
    }
    prompt();
  }
  lines.close();
  return failed;
}

function lingerFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
