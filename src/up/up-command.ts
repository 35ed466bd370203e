// `dchat up`: a whole local deployment in one command. Without flags: a standalone chat node
// (SQLite, services in-process) and, in a terminal, a client connected to it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { errorMessage } from '../base/dchat-error.js';
import { defaultDataDir } from '../server/server-command.js';
import { runPlainClient } from '../tui/plain-client.js';
import { startChild } from './child-process.js';
import { dchatExecutable } from './dchat-executable.js';

interface UpArgs {
  port: number;
  dataDir: string;
  client: boolean;
}

export const upCommand: CommandModule<object, UpArgs> = {
  command: 'up',
  describe: 'Bring up a local deployment: a standalone chat node and a client',
  builder: (y: Argv) =>
    y
      .option('port', { type: 'number', default: 6000, describe: 'Port of the chat node' })
      .option('data-dir', { type: 'string', default: defaultDataDir(), describe: 'Where the node keeps its data and log (env DCHAT_DATA_DIR)' })
      .option('client', { type: 'boolean', default: true, describe: 'Open a client in this terminal (--no-client: only the node)' })
      .example('$0 up', 'a chat node on 127.0.0.1:6000 and a client in this terminal')
      .example('$0 up --no-client', 'only the node; clients join with `dchat client`') as unknown as Argv<UpArgs>,
  handler: async (args: ArgumentsCamelCase<UpArgs>) => {
    process.exit(await upStandalone(args));
  },
};

async function upStandalone(args: UpArgs): Promise<number> {
  mkdirSync(args.dataDir, { recursive: true });
  const logFile = join(args.dataDir, 'server.log');
  process.stdout.write(`[1/2] starting a standalone chat node on 127.0.0.1:${args.port} (data and log in ${args.dataDir}) ...\n`);
  let node;
  try {
    node = await startChild({
      name: 'the chat node',
      ...dchatExecutable(['server', '--port', String(args.port), '--data-dir', args.dataDir]),
      logFile,
      ready: /listening on (\S+):(\d+)/,
      readyTimeoutMs: 30_000,
    });
  } catch (err) {
    process.stderr.write(`dchat up: ${errorMessage(err)}\n`);
    process.stderr.write(`If a node already runs on port ${args.port}, connect to it with \`dchat client\`, or pick another port with \`dchat up --port 6002\`.\n`);
    return 1;
  }
  const address = `${node.match[1] ?? '127.0.0.1'}:${node.match[2] ?? args.port}`;
  process.stdout.write(`[2/2] chat node ready on ${address} (pid ${node.pid})\n\n`);
  process.stdout.write(`Open more clients in other terminals with:\n    npx dchat client --server ${address}\n`);
  process.stdout.write('Start with register:<name>:<password>, then login:<userid>:<password>; help lists every command.\n\n');

  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  if (args.client && process.stdin.isTTY) {
    await runPlainClient({ host: node.match[1] ?? '127.0.0.1', port: Number(node.match[2] ?? args.port), input: process.stdin, output: process.stdout, isInteractive: true, lingerMs: 0 });
    process.stdout.write(`\nThe chat node keeps running for other clients on ${address}; press Ctrl-C to stop it.\n`);
  } else {
    process.stdout.write('Press Ctrl-C to stop the node.\n');
  }
  await stopped;
  process.stdout.write('stopping the chat node ...\n');
  await node.stop();
  process.stdout.write('stopped.\n');
  return 0;
}
