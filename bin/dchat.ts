// The dchat command tree. Each command lives beside the code it runs (src/*/…-command.ts);
// this file only puts them together.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';

await yargs(hideBin(process.argv))
  .scriptName('dchat')
  .usage('$0 <command> [options]\n\nA distributed chat system: chat nodes, clients and the tools to run them.')
  .demandCommand(1, 'Name a command: `dchat --help` lists them.')
  .recommendCommands()
  .strict()
  .help()
  .alias('h', 'help')
  .version()
  .wrap(Math.min(110, process.stdout.columns || 110))
  .parseAsync();
