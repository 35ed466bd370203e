// `dchat up`: a whole local deployment in one command. Without flags: a standalone chat node
// (SQLite, services in-process) and, in a terminal, a client connected to it. With --cluster N:
// ZooKeeper, MariaDB, N chat nodes, `dchat lb` and nginx (cluster-up.ts).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { errorMessage } from '../base/dchat-error.js';
import { checkPortOption, checkWholeOption, typedValue } from '../base/option-checks.js';
import { defaultDataDir } from '../server/server-command.js';
import { loadFullScreenClient } from '../tui/load-full-screen-client.js';
import { runPlainClient } from '../tui/plain-client.js';
import { startChild } from './child-process.js';
import { upCluster } from './cluster-up.js';
import { defaultClusterDir } from './cluster-state.js';
import { defaultRestartTimings } from './supervisor.js';
import { dchatExecutable } from './dchat-executable.js';

interface UpArgs {
  port: number | undefined;
  dataDir: string;
  client: boolean;
  plain: boolean;
  metrics: boolean;
  cluster: number | undefined;
  dir: string;
  mode: 'round-robin' | 'hash';
  install: boolean;
  restartBackoffMs: number;
  restartBackoffMaxMs: number;
}

const standalonePort = 6000;
const clusterPort = 8000;

export const upCommand: CommandModule<object, UpArgs> = {
  command: 'up',
  describe: 'Bring up a local deployment: a standalone chat node and a client, or a whole cluster (--cluster N)',
  builder: (y: Argv) =>
    y
      .option('port', { type: 'number', describe: `Port of the chat node (default ${standalonePort}); with --cluster, nginx's port (default ${clusterPort}; 0 picks a free one)` })
      .option('data-dir', { type: 'string', default: defaultDataDir(), describe: 'Where the standalone node keeps its data and log (env DCHAT_DATA_DIR)' })
      .option('client', { type: 'boolean', default: true, describe: 'Open a client in this terminal (--no-client: only the node)' })
      .option('plain', { type: 'boolean', default: false, describe: 'Open the line client instead of the full-screen one' })
      .option('metrics', { type: 'boolean', default: false, describe: 'Standalone: also serve Prometheus /metrics, /healthz and /readyz on a loopback port (off: the node opens its chat port only); with --cluster always on' })
      .option('cluster', { type: 'number', describe: 'Run N chat nodes behind nginx, with a ZooKeeper ensemble of three, MariaDB and dchat lb' })
      .option('dir', { type: 'string', default: defaultClusterDir(), describe: 'With --cluster: the one directory for all data, logs and the state file (env DCHAT_CLUSTER_DIR)' })
      .option('mode', { choices: ['round-robin', 'hash'] as const, default: 'round-robin' as const, describe: 'With --cluster: how nginx picks a node' })
      .option('install', { type: 'boolean', default: false, describe: 'With --cluster: install missing Debian packages (apt-get) instead of naming them' })
      .option('restart-backoff-ms', { type: 'number', default: defaultRestartTimings.restartBackoffMs, describe: 'With --cluster: delay before a chat node that died is started again; doubled for each restart in a row' })
      .option('restart-backoff-max-ms', { type: 'number', default: defaultRestartTimings.restartBackoffMaxMs, describe: 'With --cluster: the longest such delay; a node that ran this long starts again after the first delay' })
      .check((argv) => {
        const cluster = argv.cluster as number | undefined;
        const port = argv.port as number | undefined;
        if (cluster !== undefined && !(Number.isInteger(cluster) && cluster >= 1 && cluster <= 16)) throw new Error(`--cluster ${typedValue('--cluster', cluster)}: give a number of chat nodes from 1 to 16`);
        if (port !== undefined) checkPortOption('--port', port, true);
        checkWholeOption('--restart-backoff-ms', argv['restart-backoff-ms'], 1, 'milliseconds');
        checkWholeOption('--restart-backoff-max-ms', argv['restart-backoff-max-ms'], 1, 'milliseconds');
        return true;
      })
      .example('$0 up', 'a chat node on 127.0.0.1:6000 and a client in this terminal')
      .example('$0 up --no-client', 'only the node; clients join with `dchat client`')
      .example('$0 up --cluster 3', 'ZooKeeper ×3, MariaDB, 3 chat nodes, dchat lb and nginx on 127.0.0.1:8000; data in ~/.dchat/cluster')
      .example('$0 up --cluster 2 --dir /tmp/c1 --port 0 --mode hash', 'a second cluster beside the first, nginx on a free port, consistent hashing') as unknown as Argv<UpArgs>,
  handler: async (args: ArgumentsCamelCase<UpArgs>) => {
    if (args.cluster !== undefined) {
      process.exit(await upCluster({ nodes: args.cluster, dir: args.dir, port: args.port ?? clusterPort, mode: args.mode, install: args.install, restart: { restartBackoffMs: args.restartBackoffMs, restartBackoffMaxMs: Math.max(args.restartBackoffMs, args.restartBackoffMaxMs) } }));
    }
    process.exit(await upStandalone({ ...args, port: args.port ?? standalonePort }));
  },
};

async function upStandalone(args: { port: number; dataDir: string; client: boolean; plain: boolean; metrics: boolean }): Promise<number> {
  mkdirSync(args.dataDir, { recursive: true });
  const logFile = join(args.dataDir, 'server.log');
  process.stdout.write(`[1/2] starting a standalone chat node on 127.0.0.1:${args.port} (data and log in ${args.dataDir}) ...\n`);
  let node;
  try {
    node = await startChild({
      name: 'the chat node',
      // The newcomer's node opens its chat port and nothing else (docs/security.md); --metrics adds the operator address.
      ...dchatExecutable(['server', '--port', String(args.port), '--data-dir', args.dataDir, ...(args.metrics ? ['--metrics', '127.0.0.1:0'] : [])]),
      logFile,
      ready: /dchat server listening on (\S+):(\d+)/,
      readyTimeoutMs: 30_000,
    });
  } catch (err) {
    process.stderr.write(`dchat up: ${errorMessage(err)}\n`);
    process.stderr.write(`If a node already runs on port ${args.port}, connect to it with \`dchat client\`, or pick another port with \`dchat up --port 6002\`.\n`);
    return 1;
  }
  const address = `${node.match[1] ?? '127.0.0.1'}:${node.match[2] ?? args.port}`;
  process.stdout.write(`[2/2] chat node ready on ${address} (pid ${node.pid})\n`);
  const metrics = args.metrics ? [...readFileSync(logFile, 'utf8').matchAll(/metrics on (http:\/\/\S+\/metrics)/g)].pop()?.[1] : undefined;
  process.stdout.write(metrics ? `Metrics for Prometheus on ${metrics} (also /healthz, /readyz)\n\n` : '\n');
  process.stdout.write(`Open more clients in other terminals with:\n    npx dchat client --server ${address}\n`);
  process.stdout.write('Start with /register NAME PASSWORD, then /login ID PASSWORD; /help lists every command.\n\n');

  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  if (args.client && process.stdin.isTTY) {
    const host = node.match[1] ?? '127.0.0.1';
    const port = Number(node.match[2] ?? args.port);
    // The node logs to its file, so the full screen is the client's alone.
    // The full screen hides what was printed above it: the hint goes into the client's first screen.
    const greeting = ['', 'Open more clients in other terminals with:', `    npx dchat client --server ${address}`];
    if (!args.plain && process.stdout.isTTY) await (await loadFullScreenClient())({ host, port, greeting });
    else await runPlainClient({ host, port, input: process.stdin, output: process.stdout, isInteractive: true, lingerMs: 0 });
    process.stdout.write(`\nThe chat node keeps running for other clients on ${address}; press Ctrl-C to stop it.\n`);
  } else {
    process.stdout.write('Press Ctrl-C to stop the node.\n');
  }
  await stopped;
  process.stdout.write('stopping the chat node ...\n');
  await node.stop();
  process.stdout.write('stopped.\n');
  return 0;
}
