// The dchat command tree. Each command lives beside the code it runs (src/*/…-command.ts);
// this file only puts them together.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { serverCommand } from '../src/server/server-command.js';
import { dbCommand } from '../src/server/db-command.js';
import { clientCommand } from '../src/tui/client-command.js';
import { upCommand } from '../src/up/up-command.js';
import { ringCommand } from '../src/hashring-cli/ring-command.js';
import { zkCommand } from '../src/zk-cli/zk-command.js';
import { rpcServerCommand } from '../src/server/rpc-server-command.js';
import { lbCommand } from '../src/lb/lb-command.js';
import { downCommand } from '../src/up/down-command.js';
import { consoleCommand } from '../src/tui/console/console-command.js';
import { secretCommand } from '../src/server/secret-command.js';

// Output piped into `head` and the like: once the reader is gone there is nothing left to say,
// and an EPIPE is the normal end of that, not a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

await yargs(hideBin(process.argv))
  .scriptName('dchat')
  // `--port 1 --port 2` means port 2, as in most tools, not the array [1, 2].
  .parserConfiguration({ 'duplicate-arguments-array': false })
  .usage('$0 <command> [options]\n\nA distributed chat system: chat nodes, clients and the tools to run them.')
  .command(serverCommand)
  .command(dbCommand)
  .command(clientCommand)
  .command(upCommand)
  .command(ringCommand)
  .command(zkCommand)
  .command(rpcServerCommand)
  .command(lbCommand)
  .command(downCommand)
  .command(consoleCommand)
  .command(secretCommand)
  .demandCommand(1, 'Name a command: `dchat --help` lists them.')
  .recommendCommands()
  .strict()
  .help()
  .alias('h', 'help')
  .version()
  .wrap(Math.min(110, process.stdout.columns || 110))
  .parseAsync();
