// `dchat db`: operator commands for the storage. `dchat db migrate` creates the tables and
// indexes that are missing (the same step every node runs when it starts) and says which.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { isDchatError } from '../base/dchat-error.js';
import { migrateStore, type MigrationReport } from '../store/open-store.js';
import { defaultDataDir } from './server-command.js';

interface DbArgs {
  db: string | undefined;
  dataDir: string;
}

function describeMigration(report: MigrationReport): string {
  const created = report.tablesAfter.filter((t) => !report.tablesBefore.includes(t));
  const kept = report.tablesAfter.filter((t) => report.tablesBefore.includes(t));
  const lines = [`dchat db migrate: ${report.where}`];
  if (created.length > 0) lines.push(`  created ${created.length} table(s): ${created.join(', ')}`);
  if (kept.length > 0) lines.push(`  already there, indexes checked: ${kept.join(', ')}`);
  lines.push(created.length > 0 ? '  schema is now up to date' : '  nothing to create: the schema was up to date');
  return lines.join('\n') + '\n';
}

const migrateCommand: CommandModule<object, DbArgs> = {
  command: 'migrate',
  describe: 'Create the tables and indexes that are missing (safe to run any time)',
  builder: (y: Argv) =>
    y
      .example('$0 db migrate', 'the SQLite database in ~/.dchat/data (or $DCHAT_DATA_DIR)')
      .example('$0 db migrate --data-dir /var/lib/dchat', 'the SQLite database of a node started with that --data-dir')
      .example('$0 db migrate --db mysql://root@127.0.0.1:3306/dchat', 'a MySQL database, created if missing') as unknown as Argv<DbArgs>,
  handler: async (args: ArgumentsCamelCase<DbArgs>) => {
    try {
      process.stdout.write(describeMigration(await migrateStore({ db: args.db, dataDir: args.dataDir })));
    } catch (err) {
      if (!isDchatError(err)) throw err;
      process.stderr.write(`dchat db migrate: ${err.message} [${err.code}]\n`);
      process.exitCode = 1;
    }
  },
};

export const dbCommand: CommandModule<object, DbArgs> = {
  command: 'db <command>',
  describe: 'Manage the database: create or update its schema',
  builder: (y: Argv) =>
    y
      .option('db', {
        type: 'string',
        default: process.env['DCHAT_DB'],
        defaultDescription: '$DCHAT_DB, else SQLite in --data-dir',
        describe: 'mysql://user:pass@host:port/db, or sqlite:/path/file (env DCHAT_DB)',
      })
      .option('data-dir', {
        type: 'string',
        default: defaultDataDir(),
        describe: 'Where the standalone node keeps dchat.sqlite (env DCHAT_DATA_DIR)',
      })
      .command(migrateCommand)
      .demandCommand(1, 'Name a db command: `dchat db --help` lists them.') as unknown as Argv<DbArgs>,
  handler: () => undefined,
};
