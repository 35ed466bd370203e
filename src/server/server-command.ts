// `dchat server`: runs one chat node until SIGINT or SIGTERM.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { errorMessage } from '../base/dchat-error.js';
import { checkPortOption, checkWholeOption } from '../base/option-checks.js';
import { requiredSecret, secretOptions } from '../base/cluster-secret.js';
import { metricsOption, parseMetricsAddress, serveOps, type OpsEndpoint } from '../base/ops-endpoint.js';
import { ChatNode } from './chat-node.js';
import { admissionFrom, checkKdfOptions, checkLoginGateOptions, kdfQueueFrom, loginGateFrom, resumeTokensFrom, withAdmissionOptions, withKdfOptions, withLoginGateOptions } from './login-limit-options.js';
import { defaultReportIntervalMs } from './node-membership.js';
import { defaultGatewayOptions } from './gateway.js';
import { limitOption, parseLimitOptions } from './limit-options.js';
import { chosenPasswordCost, passwordCostNamed, passwordCostOption } from './password-cost-option.js';
import { parseServiceKeys, serviceKeys } from './service-hosting.js';

export const defaultDataDir = (): string => process.env['DCHAT_DATA_DIR'] ?? join(homedir(), '.dchat', 'data');

interface ServerArgs {
  host: string;
  port: number;
  dataDir: string;
  db: string | undefined;
  idleTimeoutMs: number;
  maxFrameBytes: number;
  maxConnections: number;
  maxAnonymousPerAddress: number;
  loginDeadlineMs: number;
  maxLoginFrameBytes: number;
  partialFrameTimeoutMs: number;
  closeGraceMs: number;
  drainTimeoutMs: number;
  drainRate: number;
  zk: string | undefined;
  rpcHost: string | undefined;
  rpcPort: number;
  advertiseHost: string | undefined;
  services: string;
  clusterSecret: string | undefined;
  clusterSecretFile: string | undefined;
  nodeId: string | undefined;
  weight: number;
  reportIntervalMs: number;
  zkSessionTimeoutMs: number;
  passwordCost: string;
  metrics: string | undefined;
  limit: string[];
}

export const serverCommand: CommandModule<object, ServerArgs> = {
  command: 'server',
  describe: 'Run a chat node (standalone by default: SQLite, services in-process)',
  builder: (y: Argv) =>
    withLoginGateOptions(withKdfOptions(withAdmissionOptions(y)))
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address the client gateway listens on' })
      .option('port', { type: 'number', default: 6000, describe: 'Port the client gateway listens on' })
      .option('data-dir', { type: 'string', default: defaultDataDir(), describe: 'Where the standalone node keeps its SQLite database (env DCHAT_DATA_DIR)' })
      .option('db', { type: 'string', default: process.env['DCHAT_DB'], describe: 'mysql://user:pass@host:port/db, or sqlite:/path/file (env DCHAT_DB); absent: SQLite in --data-dir' })
      .option('idle-timeout-ms', { type: 'number', default: 90_000, describe: 'Close client connections silent for this long (clients ping every 30 s)' })
      .option('max-frame-bytes', { type: 'number', default: 1024 * 1024, describe: 'Largest client frame accepted' })
      .option('max-connections', { type: 'number', default: defaultGatewayOptions.maxConnections, describe: 'Client connections held at most; more are reset (default: the descriptor limit less a tenth)' })
      .option('max-anonymous-per-address', { type: 'number', default: defaultGatewayOptions.maxAnonymousPerAddress, describe: 'Connections not logged in per source address (behind nginx: all clients share its address)' })
      .option('login-deadline-ms', { type: 'number', default: defaultGatewayOptions.loginDeadlineMs, describe: 'Close a connection not logged in this long after it opened (or registered a user)' })
      .option('max-login-frame-bytes', { type: 'number', default: defaultGatewayOptions.maxLoginFrameBytes, describe: 'Largest frame accepted before login' })
      .option('partial-frame-timeout-ms', { type: 'number', default: defaultGatewayOptions.partialFrameTimeoutMs, describe: 'Drop a frame still incomplete this long after it began, and its connection' })
      .option('close-grace-ms', { type: 'number', default: defaultGatewayOptions.closeGraceMs, describe: 'After a kick, reset a connection whose client has not closed within this' })
      .option('drain-timeout-ms', { type: 'number', default: defaultGatewayOptions.drainTimeoutMs, describe: 'At SIGTERM, answer the requests already read for up to this long before telling clients SHUTTING_DOWN' })
      .option('drain-rate', { type: 'number', default: defaultGatewayOptions.drainRatePerS, describe: 'At SIGTERM, tell this many clients a second SHUTTING_DOWN, so the other nodes take their logins in at a pace they serve (0: all at once)' })
      .option('zk', { type: 'string', default: process.env['DCHAT_ZK'] || undefined, describe: 'ZooKeeper host:port[,host:port...][/chroot] (env DCHAT_ZK): join a cluster; absent: standalone' })
      .option('rpc-host', { type: 'string', describe: 'Address the RPC port binds (default: --host)' })
      .option('rpc-port', { type: 'number', default: 0, describe: 'RPC port for other nodes and services; 0 picks a free one' })
      .option('advertise-host', { type: 'string', describe: 'Host written to ZooKeeper when the RPC port binds 0.0.0.0' })
      .option('services', { type: 'string', default: serviceKeys.join(','), describe: `Business services this node hosts (${serviceKeys.join(', ')}, or none: use those of \`dchat rpc-server\` processes)` })
      .options(secretOptions)
      .option('node-id', { type: 'string', describe: 'Name of the node in /dchat/nodes (default: host:port of the gateway)' })
      .option('weight', { type: 'number', default: 1, describe: 'Weight of the node in the nginx upstream that `dchat lb` writes' })
      .option('report-interval-ms', { type: 'number', default: defaultReportIntervalMs, describe: 'How often the node rewrites its /dchat/nodes entry with its load (dchat console marks it stale after two)' })
      .option('zk-session-timeout-ms', { type: 'number', default: 10_000, describe: 'ZooKeeper session timeout: how soon a crashed node leaves the cluster' })
      .option('password-cost', passwordCostOption)
      .option('metrics', metricsOption)
      .option('limit', limitOption)
      .check((argv) => {
        if (argv.metrics !== undefined) parseMetricsAddress(String(argv.metrics));
        parseLimitOptions(argv.limit as string[]);
        parseServiceKeys(argv.services as string, { allowNone: true });
        if (parseServiceKeys(argv.services as string, { allowNone: true }).length === 0 && !argv.zk) throw new Error('--services none needs --zk: a standalone node must host its services');
        checkPortOption('--port', argv.port, true);
        checkPortOption('--rpc-port', argv['rpc-port'], true);
        checkWholeOption('--idle-timeout-ms', argv['idle-timeout-ms'], 1, 'milliseconds');
        checkWholeOption('--max-frame-bytes', argv['max-frame-bytes'], 64, 'bytes');
        checkWholeOption('--max-connections', argv['max-connections'], 1, 'connections');
        checkWholeOption('--max-anonymous-per-address', argv['max-anonymous-per-address'], 1, 'connections');
        checkWholeOption('--login-deadline-ms', argv['login-deadline-ms'], 1, 'milliseconds');
        checkWholeOption('--max-login-frame-bytes', argv['max-login-frame-bytes'], 64, 'bytes');
        checkWholeOption('--partial-frame-timeout-ms', argv['partial-frame-timeout-ms'], 1, 'milliseconds');
        checkWholeOption('--close-grace-ms', argv['close-grace-ms'], 1, 'milliseconds');
        checkWholeOption('--drain-timeout-ms', argv['drain-timeout-ms'], 0, 'milliseconds');
        checkWholeOption('--drain-rate', argv['drain-rate'], 0, 'clients a second');
        checkWholeOption('--weight', argv.weight, 1, "the node's share in nginx's upstream");
        checkWholeOption('--report-interval-ms', argv['report-interval-ms'], 100, 'milliseconds');
        checkWholeOption('--zk-session-timeout-ms', argv['zk-session-timeout-ms'], 1, 'milliseconds');
        passwordCostNamed(argv['password-cost'] as string);
        checkKdfOptions(argv);
        checkLoginGateOptions(argv);
        admissionFrom(argv);
        return true;
      })
      .example('$0 server', 'standalone node on 127.0.0.1:6000, data in ~/.dchat/data')
      .example('$0 server --port 6002 --db mysql://root@127.0.0.1:3306/chat', 'a node on port 6002 over MySQL')
      .example('$0 server --port 6002 --zk 127.0.0.1:2181 --db mysql://dchat:PW@127.0.0.1:3306/chat --cluster-secret-file /etc/dchat/cluster-secret', 'a cluster node: registered in ZooKeeper, reaching users on other nodes')
      .example('$0 server --port 0 --password-cost test', 'a node for a benchmark or test: cheap, weak password hashes (never in production)')
      .example('$0 server --zk 127.0.0.1:2181 --services none --cluster-secret-file FILE', 'a cluster node using the services of `dchat rpc-server` processes') as unknown as Argv<ServerArgs>,
  handler: async (args: ArgumentsCamelCase<ServerArgs>) => {
    let credentials;
    try {
      credentials = args.zk ? requiredSecret('dchat server --zk', args) : undefined;
    } catch (err) {
      process.stderr.write(`dchat server: ${errorMessage(err)}\n`);
      process.exit(1);
    }
    const { usage, rates } = parseLimitOptions(args.limit);
    const node = new ChatNode({
      host: args.host,
      port: args.port,
      dataDir: args.dataDir,
      db: args.db,
      idleTimeoutMs: args.idleTimeoutMs,
      maxFrameBytes: args.maxFrameBytes,
      maxConnections: args.maxConnections,
      maxAnonymousPerAddress: args.maxAnonymousPerAddress,
      loginDeadlineMs: args.loginDeadlineMs,
      maxLoginFrameBytes: args.maxLoginFrameBytes,
      partialFrameTimeoutMs: args.partialFrameTimeoutMs,
      closeGraceMs: args.closeGraceMs,
      drainTimeoutMs: args.drainTimeoutMs,
      drainRatePerS: args.drainRate,
      zk: args.zk,
      zkSessionTimeoutMs: args.zkSessionTimeoutMs,
      rpcHost: args.rpcHost,
      rpcPort: args.rpcPort,
      advertiseHost: args.advertiseHost,
      hostedServices: parseServiceKeys(args.services, { allowNone: true }),
      credentials,
      nodeId: args.nodeId,
      weight: args.weight,
      reportIntervalMs: args.reportIntervalMs,
      passwordCost: chosenPasswordCost(args.passwordCost, 'server'),
      admission: admissionFrom(args),
      loginGate: loginGateFrom(args),
      kdfQueue: kdfQueueFrom(args),
      resumeTokens: resumeTokensFrom(args),
      usage,
      sendRates: rates,
    });
    let address: { host: string; port: number; nodeId: string; rpcAddress: string | undefined };
    let ops: OpsEndpoint | undefined;
    try {
      address = await node.start();
      if (args.metrics !== undefined) ops = await serveOps('dchat server', args.metrics, () => node.readiness(), credentials?.metricsToken());
    } catch (err) {
      process.stderr.write(`dchat server: ${errorMessage(err)}\n`);
      process.exit(1);
    }
    const storage = args.db ? args.db.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@') : `SQLite in ${args.dataDir}`;
    const mode = args.zk ? `cluster node ${address.nodeId} via ZooKeeper ${args.zk}` : 'standalone';
    process.stdout.write(`dchat server listening on ${address.host}:${address.port} (${mode}; rpc ${address.rpcAddress ?? 'none'}; storage: ${storage})\n`);
    await waitForSignal();
    process.stdout.write('dchat server: shutting down\n');
    // The paced drain takes longer the more clients the node has: the deadline grows with it.
    const forceExit = setTimeout(() => process.exit(1), 10_000 + node.stopBudgetMs());
    forceExit.unref();
    await node.stop();
    await ops?.stop();
    process.exit(0);
  },
};

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      // A second signal while shutting down stops at once.
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
