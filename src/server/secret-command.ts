// `dchat secret`: makes the cluster secret of a hand-made deployment, and prints the ZooKeeper
// credentials derived from it for tools other than dchat (zkCli's `addauth digest`).
import { writeFileSync } from 'node:fs';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { ClusterSecret, requiredSecret, secretOptions, type SecretArgs } from '../base/cluster-secret.js';
import { errorMessage } from '../base/dchat-error.js';

interface NewArgs {
  file: string;
}

const newCommand: CommandModule<object, NewArgs> = {
  command: 'new <file>',
  describe: 'Write a new random cluster secret to <file> (mode 0600); copy it to every host of the cluster',
  builder: (y: Argv) => y.positional('file', { type: 'string', demandOption: true, describe: 'where to write it; an existing file is never overwritten' }) as unknown as Argv<NewArgs>,
  handler: (args: ArgumentsCamelCase<NewArgs>) => {
    try {
      writeFileSync(args.file, `${ClusterSecret.generate()}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      process.stderr.write(`dchat secret new: cannot write ${args.file}: ${errorMessage(err)}${/EEXIST/.test(errorMessage(err)) ? ' (it exists: a secret is never overwritten; remove it first to replace it)' : ''}\n`);
      process.exit(1);
    }
    process.stdout.write(`wrote a new cluster secret to ${args.file} (mode 0600); give it to every dchat process with --cluster-secret-file ${args.file}\n`);
  },
};

const zkAuthCommand: CommandModule<object, SecretArgs> = {
  command: 'zk-auth',
  describe: "Print the ZooKeeper digest credentials (user:password) of dchat's znodes, derived from the secret",
  builder: (y: Argv) => y.options(secretOptions) as unknown as Argv<SecretArgs>,
  handler: (args: ArgumentsCamelCase<SecretArgs>) => {
    try {
      process.stdout.write(`${requiredSecret('dchat secret zk-auth', args).zkDigest().auth}\n`);
    } catch (err) {
      process.stderr.write(`dchat secret zk-auth: ${errorMessage(err)}\n`);
      process.exit(1);
    }
  },
};

const metricsTokenCommand: CommandModule<object, SecretArgs> = {
  command: 'metrics-token',
  describe: "Print the bearer token that --metrics addresses of a cluster's processes ask for (Prometheus: authorization credentials)",
  builder: (y: Argv) => y.options(secretOptions) as unknown as Argv<SecretArgs>,
  handler: (args: ArgumentsCamelCase<SecretArgs>) => {
    try {
      process.stdout.write(`${requiredSecret('dchat secret metrics-token', args).metricsToken()}\n`);
    } catch (err) {
      process.stderr.write(`dchat secret metrics-token: ${errorMessage(err)}\n`);
      process.exit(1);
    }
  },
};

export const secretCommand: CommandModule = {
  command: 'secret <command>',
  describe: 'The cluster secret: make one, or print the ZooKeeper credentials or the metrics token derived from it',
  builder: (y: Argv) =>
    y
      .command(newCommand)
      .command(zkAuthCommand)
      .command(metricsTokenCommand)
      .demandCommand(1)
      .example('$0 secret new /etc/dchat/cluster-secret', 'a new secret for a hand-made cluster')
      .example('$0 secret zk-auth --cluster-secret-file /etc/dchat/cluster-secret', 'the user:password for zkCli.sh `addauth digest`'),
  handler: () => {},
};
