// `dchat client`: a chat client. `--plain` is the line client; the full-screen client is the
// default once it exists, and until then `dchat client` is the line client too.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { parseHostPort } from '../client/host-port.js';
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
      .example('$0 client --plain', 'line client against 127.0.0.1:6000')
      .example("printf 'login:1:secret\\nchat:2:hello\\nloginout\\n' | $0 client --plain", 'a scripted session') as unknown as Argv<ClientArgs>,
  handler: async (args: ArgumentsCamelCase<ClientArgs>) => {
    const address = parseHostPort(args.server);
    if (!address.ok) {
      process.stderr.write(`dchat client: ${address.error}\n`);
      process.exit(2);
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
