// `dchat console`: the operator dashboard of a dchat cluster, read live from its ZooKeeper.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { requiredSecret, secretOptions, type SecretArgs } from '../../base/cluster-secret.js';
import { errorMessage } from '../../base/dchat-error.js';
import { checkWholeOption } from '../../base/option-checks.js';
import { ZkSession } from '../../zk/zk-session.js';
import { runClusterConsole } from './cluster-console.js';

interface ConsoleArgs extends SecretArgs {
  zk: string | undefined;
  refreshMs: number;
}

export const needsClusterText = [
  'dchat console shows a running dchat cluster, which it reads from ZooKeeper: give it --zk (or DCHAT_ZK).',
  'Start a local cluster with `dchat up --cluster 3`; it prints the ZooKeeper addresses in its step [2/7]',
  '(they are also under "zk" in ~/.dchat/cluster/cluster.json), then run, in another terminal:',
  '    dchat console --zk 127.0.0.1:PORT1,127.0.0.1:PORT2,127.0.0.1:PORT3 --cluster-secret-file ~/.dchat/cluster/cluster-secret',
  'A standalone `dchat server` has no ZooKeeper, and so nothing for the console to show.',
].join('\n');

export const consoleCommand: CommandModule<object, ConsoleArgs> = {
  command: 'console',
  describe: 'Operator dashboard of a cluster: chat nodes, their load over time, RPC providers, users online',
  builder: (y: Argv) =>
    y
      .option('zk', { type: 'string', default: process.env['DCHAT_ZK'], describe: 'ZooKeeper connect string of the cluster, host:port,… (env DCHAT_ZK)' })
      .options(secretOptions)
      .option('refresh-ms', { type: 'number', default: 2000, describe: 'Read the nodes\' load this often (lists also refresh on every ZooKeeper watch event)' })
      .check((argv) => {
        checkWholeOption('--refresh-ms', argv['refresh-ms'], 100, 'milliseconds');
        return true;
      })
      .example('$0 console --zk 127.0.0.1:2181', 'watch the cluster whose ZooKeeper listens on 127.0.0.1:2181; q quits')
      .example('DCHAT_ZK=127.0.0.1:2181,127.0.0.1:2182 $0 console', 'the same, the ensemble named by the environment') as unknown as Argv<ConsoleArgs>,
  handler: async (args: ArgumentsCamelCase<ConsoleArgs>) => {
    if (!args.zk) {
      process.stderr.write(`${needsClusterText}\n`);
      process.exit(2);
    }
    if (!process.stdout.isTTY) {
      process.stderr.write('dchat console draws a full-screen dashboard: run it in a terminal (`dchat zk ls /dchat/nodes` prints the nodes in a script)\n');
      process.exit(2);
    }
    process.env['DCHAT_LOG_FILE'] ??= join(tmpdir(), 'dchat-console.log');
    let session: ZkSession;
    try {
      session = await ZkSession.connect({ connectString: args.zk, digests: requiredSecret('dchat console', args).zkDigests() });
    } catch (err) {
      process.stderr.write(`dchat console: ${errorMessage(err)}\n`);
      process.exit(1);
    }
    await runClusterConsole({ session, refreshMs: args.refreshMs });
    await session.close();
    process.exit(0);
  },
};
