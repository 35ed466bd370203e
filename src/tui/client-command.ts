// `dchat client`: a chat client. On a terminal it is the full-screen client; `--plain`, or input
// that is not a terminal (a pipe, a script), gets the line client.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { checkWholeOption } from '../base/option-checks.js';
import { parseHostPort } from '../client/host-port.js';
import { loadFullScreenClient } from './load-full-screen-client.js';
import { runPlainClient } from './plain-client.js';

interface ClientArgs {
  server: string;
  plain: boolean;
  lingerMs: number;
}

export const clientCommand: CommandModule<object, ClientArgs> = {
  command: 'client',
  describe: 'Chat: connect to a chat node (or nginx in front of several) and type the seed commands',
  builder: (y: Argv) =>
    y
      .option('server', { type: 'string', default: process.env['DCHAT_SERVER'] ?? '127.0.0.1:6000', describe: 'host:port of a chat node or of nginx (env DCHAT_SERVER)' })
      .option('plain', { type: 'boolean', default: false, describe: 'Line client: read commands from stdin, print to stdout (scriptable)' })
      .option('linger-ms', { type: 'number', default: 500, describe: 'With piped input: how long to keep printing messages after the input ends' })
      .check((argv) => {
        checkWholeOption('--linger-ms', argv['linger-ms'], 0, 'milliseconds');
        return true;
      })
      .example('$0 client', 'full-screen client against 127.0.0.1:6000 (keys: docs/tui.md)')
      .example('$0 client --plain', 'line client against 127.0.0.1:6000')
      .example("printf 'login:1:secret\\nchat:2:hello\\nloginout\\n' | $0 client --plain", 'a scripted session') as unknown as Argv<ClientArgs>,
  handler: async (args: ArgumentsCamelCase<ClientArgs>) => {
    const address = parseHostPort(args.server);
    if (!address.ok) {
      process.stderr.write(`dchat client: ${address.error}\n`);
      process.exit(2);
    }
    if (!args.plain && process.stdin.isTTY === true && process.stdout.isTTY === true) {
      process.exit(await (await loadFullScreenClient())({ host: address.value.host, port: address.value.port }));
    }
    const code = await runPlainClient({
      host: address.value.host,
      port: address.value.port,
      input: process.stdin,
      output: process.stdout,
      isInteractive: process.stdin.isTTY === true,
      lingerMs: args.lingerMs,
    });
    process.exit(code);
  },
};
