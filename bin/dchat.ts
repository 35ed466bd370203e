// The dchat command tree. Each command lives beside the code it runs (src/*/…-command.ts);
// this file only puts them together.
import yargs, { type Argv, type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { serverCommand } from '../src/server/server-command.js';
import { dbCommand } from '../src/server/db-command.js';
import { clientCommand } from '../src/tui/client-command.js';
import { upCommand } from '../src/up/up-command.js';
import { ringCommand } from '../src/hashring-cli/ring-command.js';
import { zkCommand } from '../src/zk-cli/zk-command.js';
import { rpcServerCommand } from '../src/server/rpc-server-command.js';
import { lbCommand } from '../src/lb/lb-command.js';
import { restartNodesCommand } from '../src/lb/restart-nodes-command.js';
import { downCommand } from '../src/up/down-command.js';
import { consoleCommand } from '../src/tui/console/console-command.js';
import { secretCommand } from '../src/server/secret-command.js';
import { setLogFormat } from '../src/base/logger.js';
import { closestWord } from '../src/base/did-you-mean.js';

/**
 * yargs' own failure output (the help, then the message, exit status 1), with the option an
 * unknown one was probably meant to be: "Unknown argument: prot; did you mean --port?".
 */
function failWithSuggestion(message: string | undefined, error: Error | undefined, y: Argv): void {
  y.showHelp('error');
  console.error('');
  const unknown = /^Unknown arguments?: (.*)$/.exec(message ?? '');
  if (unknown) {
    // What yargs hands a fail handler is its usage object, which knows the described options.
    const usage = y as unknown as { getDescriptions(): Record<string, unknown> };
    const known = Object.keys(usage.getDescriptions()).filter((k) => k.length > 1 && !/[A-Z]/.test(k));
    const names = (unknown[1] ?? '').split(', ');
    const hints = names.flatMap((name) => {
      const near = closestWord(name.replace(/^-+/, ''), known);
      if (!near) return [];
      return names.length === 1 ? [`--${near}`] : [`--${near} for ${name}`];
    });
    console.error(hints.length > 0 ? `${message}; did you mean ${hints.join(', ')}?` : message);
  } else {
    console.error(message ?? error);
  }
  process.exit(1);
}

/**
 * The command with its examples printed whole, each command on a line of its own and its
 * description under it: yargs sets examples in two columns and breaks a long command across
 * lines of its left column, where it can no longer be copied.
 */
function withWholeExamples<T, U>(command: CommandModule<T, U>): CommandModule<T, U> {
  const build = command.builder;
  if (typeof build !== 'function') return command;
  return {
    ...command,
    builder: (y: Argv<T>) => {
      const examples: [string, string][] = [];
      const instance = y as unknown as { example: (cmd: string, text: string) => unknown };
      instance.example = (cmd: string, text: string) => {
        examples.push([cmd.replace(/\$0/g, 'dchat'), text]);
        return y;
      };
      const built = build(y) as Argv<U>;
      if (examples.length === 0) return built;
      return built.epilog(['Examples:', ...examples.flatMap(([cmd, text]) => [`  ${cmd}`, `      ${text}`])].join('\n'));
    },
  };
}

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
  .option('log-format', {
    choices: ['auto', 'json', 'pretty'],
    default: process.env['DCHAT_LOG_FORMAT'] ?? 'auto',
    global: true,
    describe: 'Log lines as JSON, or pretty for people (env DCHAT_LOG_FORMAT); auto: pretty when stderr is a terminal',
  })
  .middleware((argv) => setLogFormat(argv['logFormat'] as string | undefined))
  .command(withWholeExamples(serverCommand))
  .command(withWholeExamples(dbCommand))
  .command(withWholeExamples(clientCommand))
  .command(withWholeExamples(upCommand))
  .command(withWholeExamples(ringCommand))
  .command(withWholeExamples(zkCommand))
  .command(withWholeExamples(rpcServerCommand))
  .command(withWholeExamples(lbCommand))
  .command(withWholeExamples(restartNodesCommand))
  .command(withWholeExamples(downCommand))
  .command(withWholeExamples(consoleCommand))
  .command(withWholeExamples(secretCommand))
  .fail(failWithSuggestion)
  .demandCommand(1, 'Name a command: `dchat --help` lists them.')
  .recommendCommands()
  .strict()
  .help()
  .alias('h', 'help')
  .version()
  // The terminal's width, so that the columns of --help (and its examples) are not squeezed.
  .wrap(process.stdout.columns ? Math.max(60, process.stdout.columns) : 100)
  .parseAsync();
