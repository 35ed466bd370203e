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
  try {
    const app = render(<ChatApp session={session} />, { exitOnCtrlC: false, patchConsole: true });
    await app.waitUntilExit();
    return 0;
  } finally {
    restore();
    process.off('exit', restore);
  }
}
