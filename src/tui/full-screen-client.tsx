// `dchat client` on a terminal: the Ink chat client on the terminal's alternate screen, so the
// shell's screen comes back as it was on exit. Nothing but Ink writes to stdout: log lines go to
// the file named by DCHAT_LOG_FILE, by default dchat-client.log in the temporary directory.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink';
import { ChatApp } from './ChatApp.js';

export interface FullScreenClientOptions {
  host: string;
  port: number;
  pingIntervalMs?: number;
  /** Lines the dchat pane starts with after the greeting (`dchat up` says how to open more clients). */
  greeting?: readonly string[];
}

const enterAlternateScreen = '\x1b[?1049h';
const leaveAlternateScreen = '\x1b[?1049l';

export function defaultClientLogFile(): string {
  return join(tmpdir(), 'dchat-client.log');
}

export async function runFullScreenClient(options: FullScreenClientOptions): Promise<number> {
  process.env['DCHAT_LOG_FILE'] ??= defaultClientLogFile();
  const session = { host: options.host, port: options.port, ...(options.pingIntervalMs !== undefined ? { pingIntervalMs: options.pingIntervalMs } : {}) };
  process.stdout.write(enterAlternateScreen);
  const restore = (): void => void process.stdout.write(leaveAlternateScreen);
  process.once('exit', restore);
  let connectError: string | undefined;
  const onConnectFailed = (message: string): void => {
    connectError = message;
  };
  try {
    const app = render(<ChatApp session={session} onConnectFailed={onConnectFailed} greeting={options.greeting ?? []} />, { exitOnCtrlC: false, patchConsole: true });
    await app.waitUntilExit();
  } finally {
    restore();
    process.off('exit', restore);
  }
  if (connectError === undefined) return 0;
  // Said on the shell's own screen, where it stays readable after the client is gone.
  process.stderr.write(`dchat client: ${connectError}\n\`dchat server\` starts a chat node (127.0.0.1:6000 by default); \`dchat up\` starts one together with a client\n`);
  return 1;
}
