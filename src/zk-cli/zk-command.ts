// `dchat zk`: the ZooKeeper browser. With a command (`dchat zk ls /UserServiceRpc`) it runs that
// one and exits; with none, or `shell`, it opens the interactive shell. The one-shot commands
// turn their arguments into the words of a shell line, so both parse and run the same way.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { clusterSecretFrom, secretOptions, zkDigestFromAuth, type SecretArgs, type ZkDigest } from '../base/cluster-secret.js';
import { isDchatError } from '../base/dchat-error.js';
import { checkWholeOption } from '../base/option-checks.js';
import { ZkSession } from '../zk/zk-session.js';
import { executeZkOperation } from './zk-executor.js';
import { parseZkWords } from './zk-operation.js';
import { createZkOutput, type ZkOutput } from './zk-output.js';
import { runZkShell } from './zk-shell.js';

interface ZkArgs extends SecretArgs {
  zk: string;
  auth: string | undefined;
  json: boolean;
  'connect-timeout-ms': number;
}

type Argument = string | number | boolean | undefined;

async function openSession(args: ZkArgs, output: ZkOutput): Promise<ZkSession | undefined> {
  try {
    return await ZkSession.connect({ connectString: args.zk, connectTimeoutMs: args['connect-timeout-ms'], digests: digestsOf(args) });
  } catch (err) {
    if (!isDchatError(err)) throw err;
    output.failure(err);
    process.exitCode = 1;
    return undefined;
  }
}

/**
 * Credentials, when given: --auth user:password (zkCli's `addauth digest`), or the cluster
 * secret, which reaches dchat's locked znodes. Without either, a general browser of open znodes.
 */
function digestsOf(args: ZkArgs): ZkDigest[] {
  if (args.auth) return [zkDigestFromAuth(args.auth)];
  return clusterSecretFrom({ secret: args.clusterSecret, file: args.clusterSecretFile })?.zkDigests() ?? [];
}

async function runOneShot(words: string[], args: ZkArgs): Promise<void> {
  const output = createZkOutput(args.json);
  const op = parseZkWords(words);
  if (!op.ok) {
    output.failure(op.error);
    process.exitCode = 1;
    return;
  }
  if (op.value.kind === 'create' && op.value.isEphemeral) {
    output.note('-e makes an ephemeral znode, which ZooKeeper deletes as soon as this command ends its session; ' +
      'it is only meaningful in the shell (`dchat zk`), where it lives until you quit');
  }
  const session = await openSession(args, output);
  if (!session) return;
  try {
    const result = await executeZkOperation(op.value, session);
    if (result.ok) output.answer(result.value);
    else {
      output.failure(result.error);
      process.exitCode = 1;
    }
  } finally {
    await session.close();
  }
}

async function runShell(args: ZkArgs): Promise<void> {
  const output = createZkOutput(args.json);
  const session = await openSession(args, output);
  if (!session) return;
  try {
    process.exitCode = await runZkShell({ session, output, historyFile: join(homedir(), '.dchat', 'zk_history') });
  } finally {
    await session.close();
  }
}

/** A one-shot subcommand: its arguments become the words of the same command in the shell. */
function oneShot(
  command: string,
  describe: string,
  build: (yargs: Argv<ZkArgs>) => Argv<ZkArgs>,
  toWords: (argv: Record<string, Argument>) => string[],
): CommandModule<ZkArgs, ZkArgs> {
  return {
    command,
    describe,
    builder: build,
    handler: (argv) => runOneShot(toWords(argv as unknown as Record<string, Argument>), argv),
  };
}

const word = (value: Argument): string[] => (value === undefined ? [] : [String(value)]);
const flag = (isSet: Argument, letter: string): string[] => (isSet ? [`-${letter}`] : []);
const pathArg = { type: 'string', describe: 'znode path, e.g. /UserServiceRpc' } as const;
const versionArg = { type: 'string', describe: 'act only if the znode is at this version (from `get`)' } as const;

const shellCommand: CommandModule<ZkArgs, ZkArgs> = {
  command: 'shell',
  describe: 'the interactive shell (also what `dchat zk` alone opens)',
  handler: (argv) => runShell(argv),
};

export const zkCommand: CommandModule<object, ZkArgs> = {
  command: 'zk',
  describe: 'ZooKeeper browser: ls, get, stat, getAcl, create, set, delete, one at a time or in a shell',
  builder: (yargs) =>
    yargs
      .option('zk', {
        type: 'string',
        default: process.env['DCHAT_ZK'] || '127.0.0.1:2181',
        defaultDescription: '$DCHAT_ZK or 127.0.0.1:2181',
        describe: 'ZooKeeper servers host:port,…[/chroot]',
      })
      .option('auth', { type: 'string', describe: 'digest credentials user:password for locked znodes (zkCli\'s addauth digest)' })
      .options(secretOptions)
      .option('json', { type: 'boolean', default: false, describe: 'print each answer (and error) as one JSON line on stdout' })
      .option('connect-timeout-ms', { type: 'number', default: 3_000, describe: 'give up when no session comes within this time' })
      .check((argv) => {
        checkWholeOption('--connect-timeout-ms', argv['connect-timeout-ms'], 1, 'milliseconds');
        return true;
      })
      .command(oneShot('ls [path]', 'the children of a znode', (y) => y.positional('path', { ...pathArg, default: '/' })
          .option('R', { type: 'boolean', describe: 'every path under it, as zkCli ls -R' })
          .option('s', { type: 'boolean', describe: 'its stat too' }),
        (a) => ['ls', ...flag(a['R'], 'R'), ...flag(a['s'], 's'), '--', ...word(a['path'])]))
      .command(oneShot('stat <path>', 'the stat of a znode (version, ephemeral owner, mtime, children)', (y) => y.positional('path', pathArg),
        (a) => ['stat', '--', ...word(a['path'])]))
      .command(oneShot('getAcl <path>', 'who may do what on a znode (scheme, id, permissions crwda)', (y) => y.positional('path', pathArg),
        (a) => ['getAcl', '--', ...word(a['path'])]))
      .command(oneShot('deleteall <path>', 'remove a znode and everything under it (delete -r)', (y) => y.positional('path', pathArg),
        (a) => ['delete', '-r', '--', ...word(a['path'])]))
      .command(oneShot('get <path>', 'data and stat of a znode (version, ephemeral owner, mtime)', (y) => y.positional('path', pathArg),
        (a) => ['get', '--', ...word(a['path'])]))
      .command(oneShot('create <path> [data]', 'a new znode with data',
        (y) => y.positional('path', pathArg).positional('data', { type: 'string', describe: 'its data (UTF-8)' })
          .option('ephemeral', { alias: 'e', type: 'boolean', describe: 'ephemeral: gone when the session ends (meaningful in the shell only)' })
          .option('sequential', { alias: 's', type: 'boolean', describe: 'append a 10-digit sequence number to the name' })
          .option('parents', { alias: 'p', type: 'boolean', describe: 'create missing parents (persistent, empty)' }),
        (a) => ['create', ...flag(a['ephemeral'], 'e'), ...flag(a['sequential'], 's'), ...flag(a['parents'], 'p'), '--', ...word(a['path']), ...word(a['data'])]))
      .command(oneShot('set <path> <data> [expected-version]', 'new data for a znode',
        (y) => y.positional('path', pathArg).positional('data', { type: 'string', describe: 'the new data (UTF-8)' }).positional('expected-version', versionArg),
        (a) => ['set', '--', ...word(a['path']), ...word(a['data']), ...word(a['expected-version'])]))
      .command(oneShot('delete <path> [expected-version]', 'remove a znode; refuses one with children unless -r',
        (y) => y.positional('path', pathArg).positional('expected-version', versionArg)
          .option('recursive', { alias: 'r', type: 'boolean', describe: 'remove its children too' }),
        (a) => ['delete', ...flag(a['recursive'], 'r'), '--', ...word(a['path']), ...word(a['expected-version'])]))
      .command(shellCommand)
      .example('$0 zk --cluster-secret-file ~/.dchat/cluster/cluster-secret ls /UserServiceRpc', 'the live providers of UserServiceRpc (dchat\'s znodes need the cluster\'s credentials)')
      .example('$0 zk get /dchat/nodes/node-1', 'a chat node\'s data, version, owner session and mtime')
      .example('$0 zk create -p /dchat/ring/10.0.0.1:6000 160', 'a persistent znode, parents included')
      .example('$0 zk delete -r /scratch', 'a znode and everything under it')
      .example('$0 zk --zk 10.0.0.5:2181,10.0.0.6:2181', 'a shell on that ensemble')
      .example('printf "ls /\\nget /dchat\\n" | $0 zk --json', 'the shell reads commands from a pipe too'),
  handler: (argv) => runShell(argv),
};
