// `dchat server`: runs one chat node until SIGINT or SIGTERM.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { errorMessage } from '../base/dchat-error.js';
import { ChatNode } from './chat-node.js';

export const defaultDataDir = (): string => process.env['DCHAT_DATA_DIR'] ?? join(homedir(), '.dchat', 'data');

interface ServerArgs {
  host: string;
  port: number;
  dataDir: string;
  db: string | undefined;
  idleTimeoutMs: number;
  maxFrameBytes: number;
}

export const serverCommand: CommandModule<object, ServerArgs> = {
  command: 'server',
  describe: 'Run a chat node (standalone by default: SQLite, services in-process)',
  builder: (y: Argv) =>
    y
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address the client gateway listens on' })
      .option('port', { type: 'number', default: 6000, describe: 'Port the client gateway listens on' })
      .option('data-dir', { type: 'string', default: defaultDataDir(), describe: 'Where the standalone node keeps its SQLite database (env DCHAT_DATA_DIR)' })
      .option('db', { type: 'string', default: process.env['DCHAT_DB'], describe: 'mysql://user:pass@host:port/db, or sqlite:/path/file (env DCHAT_DB); absent: SQLite in --data-dir' })
      .option('idle-timeout-ms', { type: 'number', default: 90_000, describe: 'Close client connections silent for this long (clients ping every 30 s)' })
      .option('max-frame-bytes', { type: 'number', default: 1024 * 1024, describe: 'Largest client frame accepted' })
      .check((argv) => {
        if (!Number.isInteger(argv.port) || argv.port < 0 || argv.port > 65535) throw new Error(`--port ${String(argv.port)} is not a port number (0-65535; 0 picks a free one)`);
        if (!(argv['idle-timeout-ms'] as number > 0)) throw new Error('--idle-timeout-ms must be a positive number of milliseconds');
        if (!(argv['max-frame-bytes'] as number >= 64)) throw new Error('--max-frame-bytes must be at least 64');
        return true;
      })
      .example('$0 server', 'standalone node on 127.0.0.1:6000, data in ~/.dchat/data')
      .example('$0 server --port 6002 --db mysql://root@127.0.0.1:3306/chat', 'a node on port 6002 over MySQL') as unknown as Argv<ServerArgs>,
  handler: async (args: ArgumentsCamelCase<ServerArgs>) => {
    const node = new ChatNode({
      host: args.host,
      port: args.port,
      dataDir: args.dataDir,
      db: args.db,
      idleTimeoutMs: args.idleTimeoutMs,
      maxFrameBytes: args.maxFrameBytes,
    });
    let address: { host: string; port: number };
    try {
      address = await node.start();
    } catch (err) {
      process.stderr.write(`dchat server: ${errorMessage(err)}\n`);
      process.exit(1);
    }
    const storage = args.db ? args.db.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@') : `SQLite in ${args.dataDir}`;
    process.stdout.write(`dchat server listening on ${address.host}:${address.port} (storage: ${storage})\n`);
    await waitForSignal();
    process.stdout.write('dchat server: shutting down\n');
    const forceExit = setTimeout(() => process.exit(1), 10_000);
    forceExit.unref();
    await node.stop();
    process.exit(0);
  },
};

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      // A second signal while shutting down stops at once.
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
