// `dchat ring`: the consistent-hash ring shell. With a command (`dchat ring add 10.0.0.1 6000
// 150`) it runs that one and exits; without, it opens the interactive shell. The ring lives in a
// local file between calls (--state), or in ZooKeeper under /dchat/ring (--zk) where every
// operator sees the same ring.
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_PAGE_SIZE } from './ring-operation.js';
import { RingFileStore, defaultRingStatePath } from './ring-file-store.js';
import { requiredSecret, secretOptions, type SecretArgs } from '../base/cluster-secret.js';
import { isDchatError } from '../base/dchat-error.js';
import { checkWholeOption } from '../base/option-checks.js';
import { processOutput, reportError, runRingWords, type RingOutput } from './ring-runner.js';
import { runRingShell } from './ring-shell.js';
import type { RingStore } from './ring-store.js';
import { RingZkStore } from './ring-zk-store.js';

interface RingArgs extends SecretArgs {
  state: string;
  zk: string | undefined;
  json: boolean;
}

type Positionals = Record<string, string | number | boolean | undefined>;

async function openRingStore(args: RingArgs): Promise<RingStore> {
  if (args.zk) return RingZkStore.open(args.zk, requiredSecret('dchat ring --zk', args).zkDigests());
  return new RingFileStore(args.state);
}

function historyFileOf(args: RingArgs): string {
  return args.zk ? join(homedir(), '.dchat', 'ring_history') : join(dirname(args.state), 'ring_history');
}

/** Opens the store, runs `use` on it, closes it; a store that cannot open is an error exit. */
async function withStore(args: RingArgs, use: (store: RingStore, output: RingOutput) => Promise<number>): Promise<void> {
  const output = processOutput(args.json);
  let store: RingStore;
  try {
    store = await openRingStore(args);
  } catch (err) {
    if (!isDchatError(err)) throw err;
    reportError(err, output);
    process.exitCode = 1;
    return;
  }
  try {
    process.exitCode = await use(store, output);
  } finally {
    await store.close();
  }
}

function runOneShot(words: string[], args: RingArgs, pageSize = DEFAULT_PAGE_SIZE): Promise<void> {
  return withStore(args, async (store, output) => ((await runRingWords(words, store, output, pageSize)) === undefined ? 1 : 0));
}

function subcommand(
  command: string,
  describe: string,
  positionals: Record<string, string>,
  toWords: (argv: Positionals) => string[],
  example: [string, string],
  extra: (yargs: Argv<RingArgs>) => Argv<RingArgs> = (y) => y,
): CommandModule<RingArgs, RingArgs> {
  return {
    command,
    describe,
    builder: (yargs) => {
      let y = yargs;
      for (const [name, text] of Object.entries(positionals)) y = y.positional(name, { type: 'string', describe: text });
      return extra(y.example(...example));
    },
    handler: async (argv) => {
      const all = argv as RingArgs & Positionals;
      const pageSize = typeof all['page-size'] === 'number' ? all['page-size'] : DEFAULT_PAGE_SIZE;
      await runOneShot(toWords(all), all, pageSize);
    },
  };
}

const str = (value: unknown): string[] => (value === undefined ? [] : [String(value)]);

export const ringCommand: CommandModule<object, RingArgs> = {
  command: 'ring',
  describe: 'Consistent-hash ring shell: which chat node nginx `hash $remote_addr consistent` picks for a client',
  builder: (yargs) =>
    yargs
      .option('state', {
        type: 'string',
        default: defaultRingStatePath(),
        defaultDescription: '$DCHAT_RING_STATE or ~/.dchat/ring.json',
        describe: 'file that keeps the ring between calls',
      })
      .option('zk', {
        type: 'string',
        default: process.env['DCHAT_ZK'] || undefined,
        defaultDescription: '$DCHAT_ZK',
        describe: 'keep the ring in ZooKeeper (host:port,…) under /dchat/ring instead of the file',
      })
      .options(secretOptions)
      .option('json', { type: 'boolean', default: false, describe: 'print each answer as one JSON line' })
      .command(subcommand('add <host> <port> [num]', 'put a server on the ring with NUM virtual nodes (default 160 = nginx weight 1)',
        { host: 'server address (IP or name, as in the nginx server line)', port: 'server port', num: 'virtual nodes' },
        (a) => ['add', ...str(a['host']), ...str(a['port']), ...str(a['num'])],
        ['$0 ring add 10.0.0.1 6000 320', 'a chat node with nginx weight 2']))
      .command(subcommand('del <host> <port>', 'take a server off the ring', { host: 'server address', port: 'server port' },
        (a) => ['del', ...str(a['host']), ...str(a['port'])],
        ['$0 ring del 10.0.0.1 6000', 'its clients move to the next points']))
      .command(subcommand('get <host> [port]', 'the server a client belongs to (nginx hashes the client IP, not its port)',
        { host: 'client IP address', port: 'client port (shown only)' }, (a) => ['get', ...str(a['host']), ...str(a['port'])],
        ['$0 ring get 203.0.113.9 52811 --json', 'server, key hash and point as JSON']))
      .command(subcommand('getVirNum [host] [port]', 'virtual nodes of a server, or of every server', { host: 'server address', port: 'server port' },
        (a) => ['getVirNum', ...str(a['host']), ...str(a['port'])],
        ['$0 ring getVirNum', 'every server with its virtual nodes and nginx weight']))
      .command(subcommand('showTime [page]', 'every point of the ring and its server, a page at a time', { page: 'page number (from 1)' },
        (a) => ['showTime', ...(a['all'] ? ['all'] : str(a['page']))],
        ['$0 ring showTime 2 --page-size 100', 'points 101 to 200'],
        (y) => y.option('all', { type: 'boolean', describe: 'every point, no pages' }).option('page-size', { type: 'number', default: DEFAULT_PAGE_SIZE, describe: 'points per page' })
          .check((argv) => {
            checkWholeOption('--page-size', argv['page-size'], 1, 'points per page');
            return true;
          })))
      .command(subcommand('stats [keys]', 'share of the hash circle and of sample clients per server, and max/mean', { keys: 'sample client addresses (default 100000)' },
        (a) => ['stats', ...str(a['keys'])],
        ['$0 ring stats 1000000', 'load per server over a million sample clients']))
      .command(subcommand('nginx [upstream]', 'print the nginx upstream block that balances as this ring does', { upstream: 'upstream name (default dchat)' },
        (a) => ['nginx', ...str(a['upstream'])],
        ['$0 ring nginx chat > /etc/nginx/conf.d/chat-upstream.conf', 'the upstream block named chat']))
      .command(subcommand('from-nginx <file> [upstream]', 'replace the ring by the servers and weights of an nginx upstream',
        { file: 'nginx config file', upstream: 'upstream name when the file has several' }, (a) => ['from-nginx', ...str(a['file']), ...str(a['upstream'])],
        ['$0 ring from-nginx deploy/nginx.conf chat', 'the servers of upstream chat']))
      .command({
        command: 'shell',
        describe: 'the interactive shell (also what `dchat ring` alone opens)',
        handler: (argv) => runShell(argv as unknown as RingArgs),
      })
      .example('$0 ring add 10.0.0.1 6000 160', 'a chat node with nginx weight 1')
      .example('$0 ring get 203.0.113.9 52811', 'which node nginx sends that client to')
      .example('$0 ring from-nginx /etc/nginx/nginx.conf', 'load the servers of the upstream with `hash … consistent`')
      .example('$0 ring nginx > upstream.conf', 'write the matching nginx upstream block')
      .example('$0 ring --zk 127.0.0.1:2181', 'a shell on the ring the whole cluster shares')
      .example('echo "get 10.0.0.7" | $0 ring --json', 'the shell reads commands from a pipe too'),
  handler: (argv) => runShell(argv),
};

function runShell(args: RingArgs): Promise<void> {
  return withStore(args, (store, output) => runRingShell({ store, output, historyFile: historyFileOf(args) }));
}
