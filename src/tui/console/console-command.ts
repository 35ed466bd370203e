// `dchat console`: the operator dashboard of a dchat cluster, read live from its ZooKeeper.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { requiredSecret, secretOptions, type SecretArgs } from '../../base/cluster-secret.js';
import { errorMessage } from '../../base/dchat-error.js';
import { checkWholeOption } from '../../base/option-checks.js';
import { ZkSession } from '../../zk/zk-session.js';
import { runClusterConsole } from './cluster-console.js';
import { readClusterSnapshot } from './cluster-snapshot.js';
import { viewOf } from './cluster-view.js';
import { onceJson, onceText } from './dashboard-data.js';

interface ConsoleArgs extends SecretArgs {
  zk: string | undefined;
  refreshMs: number;
  once: boolean;
  json: boolean;
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
      .option('once', { type: 'boolean', default: false, describe: 'Print one snapshot (nodes, their state and load, providers, users online) as a table and exit' })
      .option('json', { type: 'boolean', default: false, describe: 'With --once: print the snapshot as JSON, for scripts' })
      .option('refresh-ms', { type: 'number', default: 2000, describe: 'Read the nodes\' load this often (lists also refresh on every ZooKeeper watch event)' })
      .check((argv) => {
        checkWholeOption('--refresh-ms', argv['refresh-ms'], 100, 'milliseconds');
        if (argv.json && !argv.once) throw new Error('--json goes with --once: `dchat console --once --json` prints one snapshot as JSON');
        return true;
      })
      .example('$0 console --zk 127.0.0.1:2181', 'watch the cluster whose ZooKeeper listens on 127.0.0.1:2181; q quits')
      .example('DCHAT_ZK=127.0.0.1:2181,127.0.0.1:2182 $0 console', 'the same, the ensemble named by the environment')
      .example('$0 console --zk 127.0.0.1:2181 --once --json', 'one snapshot as JSON, for scripts (--once alone: a table)') as unknown as Argv<ConsoleArgs>,
  handler: async (args: ArgumentsCamelCase<ConsoleArgs>) => {
    if (!args.zk) {
      process.stderr.write(`${needsClusterText}\n`);
      process.exit(2);
    }
    if (args.once) process.exit(await printOnce(args));
    if (!process.stdout.isTTY) {
      process.stderr.write('dchat console draws a full-screen dashboard: run it in a terminal (`dchat console --once`, or --once --json, prints one snapshot in a script)\n');
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

/** `--once`: one snapshot on stdout, as a table or JSON; the exit status. */
async function printOnce(args: ArgumentsCamelCase<ConsoleArgs>): Promise<number> {
  let session: ZkSession | undefined;
  try {
    session = await ZkSession.connect({ connectString: args.zk ?? '', digests: requiredSecret('dchat console', args).zkDigests() });
    const view = viewOf(await readClusterSnapshot(session));
    process.stdout.write(args.json ? onceJson(view) : onceText(view, process.stdout.columns || 100));
    return 0;
  } catch (err) {
    process.stderr.write(`dchat console: ${errorMessage(err)}\n`);
    return 1;
  } finally {
    await session?.close();
  }
}
