// `dchat client --plain`: the seed's line client. Commands come from a terminal or a pipe, one
// per line, and run one after the other; pushed messages are printed as they arrive. It stops
// at loginout, at the end of its input (after lingering a moment for late messages), or on Ctrl-C.
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { errorMessage, isDchatError } from '../base/dchat-error.js';
import { ChatClient } from '../client/chat-client.js';
import { MessageInbox } from '../client/message-inbox.js';
import { parseCommand } from './command-parser.js';
import { describeEvent, runCommand } from './command-runner.js';
import { formatMessage } from './message-format.js';

export interface PlainClientOptions {
  host: string;
  port: number;
  input: Readable;
  output: Writable;
  isInteractive: boolean;
  /** After the input ends, how long to keep printing pushed messages before leaving. */
  lingerMs: number;
}

export async function runPlainClient(options: PlainClientOptions): Promise<number> {
  const print = (line: string): void => void options.output.write(`${line}\n`);
  const client = new ChatClient({ host: options.host, port: options.port });
  try {
    await client.connect();
  } catch (err) {
    print(`error: ${errorMessage(err)}`);
    if (isDchatError(err, 'DCHAT_NET_CONNECT')) print('`dchat server` starts a chat node (127.0.0.1:6000 by default); `dchat up` starts one together with a client');
    return 1;
  }
  const lines = createInterface({
    input: options.input,
    terminal: options.isInteractive,
    ...(options.isInteractive ? { output: options.output, prompt: '> ' } : {}),
  });
  // A line that arrives while the user types replaces the prompt line, and the prompt with the
  // half-typed command is drawn again below it.
  const printPushed = (line: string): void => {
    if (!options.isInteractive) return print(line);
    options.output.write(`\r\x1b[2K${line}\n`);
    lines.prompt(true);
  };
  const inbox = new MessageInbox((ids) => void client.request({ ack: { messageIds: ids } }).catch(() => {}));
  let closedByServer = false;
  let isLeaving = false;
  client.onEvent((event) => {
    if (event.message) {
      if (inbox.accept(event.message)) printPushed(formatMessage(event.message));
      return;
    }
    const line = describeEvent(event);
    if (line) printPushed(line);
  });
  client.onClose((reason) => {
    if (isLeaving) return;
    closedByServer = true;
    print(`${reason}; exiting`);
    options.input.destroy();
  });
  print(`connected to ${options.host}:${options.port}; type help for the commands`);
  const code = await readCommands(client, lines, options, print);
  if (!closedByServer && code === 0 && !options.isInteractive) await lingerFor(options.lingerMs);
  isLeaving = true;
  client.close();
  return closedByServer ? 1 : code;
}

async function readCommands(client: ChatClient, lines: Interface, options: PlainClientOptions, print: (line: string) => void): Promise<number> {
  const prompt = (): void => (options.isInteractive ? lines.prompt() : undefined);
  prompt();
  try {
    for await (const line of lines) {
      if (line.trim() === '') {
        prompt();
        continue;
      }
      const parsed = parseCommand(line);
      if (!parsed.ok) {
        print(`error: ${parsed.error}`);
        prompt();
        continue;
      }
      const outcome = await runCommand(client, parsed.command).catch((err: unknown) => ({ lines: [`error: ${errorMessage(err)}`], isError: true }));
      for (const text of outcome.lines) print(text);
      if (parsed.command.kind === 'loginout' && !outcome.isError) return 0;
      prompt();
    }
  } catch (err) {
    // The input was destroyed because the server closed the connection.
    if (client.isConnected()) print(`error: ${errorMessage(err)}`);
  } finally {
    lines.close();
  }
  return 0;
}

function lingerFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
