// `dchat rpc-server`: hosts any subset of the business services over dchat RPC, apart from chat
// nodes, registered in ZooKeeper (/UserServiceRpc/<host:port>, ...) so that chat nodes find them.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { errorMessage } from '../base/dchat-error.js';
import { setLogNodeId } from '../base/logger.js';
import { checkPortOption, checkWholeOption } from '../base/option-checks.js';
import { requiredSecret, secretOptions } from '../base/cluster-secret.js';
import { metricsOption, parseMetricsAddress, probeReason, serveOps, type OpsEndpoint } from '../base/ops-endpoint.js';
import { isZkConnected, watchZkSession } from '../base/zk-session-metrics.js';
import { publishBacklog } from '../store/store-metrics.js';
import { lockDchatZnodes } from '../zk/dchat-layout.js';
import { RpcProvider } from '../rpc/rpc-provider.js';
import { ZkRegistry } from '../rpc/zk-registry.js';
import { createLocalServices } from '../services/local-services.js';
import { openStore } from '../store/open-store.js';
import type { ChatRepository } from '../store/repository.js';
import { ZkSession } from '../zk/zk-session.js';
import { checkKdfOptions, kdfQueueFrom, resumeTokensFrom, withKdfOptions } from './login-limit-options.js';
import { limitOption, parseLimitOptions } from './limit-options.js';
import { chosenPasswordCost, passwordCostNamed, passwordCostOption } from './password-cost-option.js';
import { defaultDataDir } from './server-command.js';
import { hostService, parseServiceKeys, serviceKeys, type ServiceKey } from './service-hosting.js';

interface RpcServerArgs {
  services: string;
  zk: string | undefined;
  db: string | undefined;
  dataDir: string;
  host: string;
  port: number;
  advertiseHost: string | undefined;
  clusterSecret: string | undefined;
  clusterSecretFile: string | undefined;
  sessionTimeoutMs: number;
  passwordCost: string;
  metrics: string | undefined;
  limit: string[];
}

const parseServices = (text: string): ServiceKey[] => parseServiceKeys(text, { allowNone: false });

export const rpcServerCommand: CommandModule<object, RpcServerArgs> = {
  command: 'rpc-server',
  describe: 'Host business services (user, friend, group, offline) over dchat RPC, registered in ZooKeeper',
  builder: (y: Argv) =>
    withKdfOptions(y)
      .option('services', { type: 'string', default: serviceKeys.join(','), describe: `Services to host, comma-separated: ${serviceKeys.join(', ')}` })
      .option('zk', { type: 'string', default: process.env['DCHAT_ZK'] || undefined, describe: 'ZooKeeper host:port[,host:port...][/chroot] to register in (env DCHAT_ZK); absent: not registered, callers need the address' })
      .option('db', { type: 'string', default: process.env['DCHAT_DB'] || undefined, describe: 'mysql://user:pass@host:port/db or sqlite:/path/file (env DCHAT_DB); absent: SQLite in --data-dir' })
      .option('data-dir', { type: 'string', default: defaultDataDir(), describe: 'Where the SQLite database lives when --db is absent (env DCHAT_DATA_DIR)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address the RPC port binds (0.0.0.0 for every interface)' })
      .option('port', { type: 'number', default: 0, describe: 'RPC port; 0 picks a free one' })
      .option('advertise-host', { type: 'string', describe: 'Host written to ZooKeeper when it differs from --host (e.g. with --host 0.0.0.0)' })
      .options(secretOptions)
      .option('session-timeout-ms', { type: 'number', default: 10_000, describe: 'ZooKeeper session timeout: how soon a crashed server leaves the registry' })
      .option('password-cost', passwordCostOption)
      .option('metrics', metricsOption)
      .option('limit', limitOption)
      .check((argv) => {
        if (argv.metrics !== undefined) parseMetricsAddress(String(argv.metrics));
        parseServices(argv.services as string);
        checkPortOption('--port', argv.port, true);
        checkWholeOption('--session-timeout-ms', argv['session-timeout-ms'], 1, 'milliseconds');
        passwordCostNamed(argv['password-cost'] as string);
        checkKdfOptions(argv);
        parseLimitOptions(argv.limit as string[]);
        if (argv.host === '0.0.0.0' && argv.zk && !argv['advertise-host']) throw new Error('--host 0.0.0.0 with --zk needs --advertise-host: callers cannot connect to 0.0.0.0');
        return true;
      })
      .example('$0 rpc-server --zk 127.0.0.1:2181 --db mysql://dchat:PW@127.0.0.1:3306/chat --cluster-secret-file FILE', 'host all four services, registered in ZooKeeper')
      .example('$0 rpc-server --services user,friend --port 7001 --zk 127.0.0.1:2181,127.0.0.1:2182/dchat', 'two services on port 7001, ensemble with chroot')
      .example('$0 rpc-server --zk 127.0.0.1:2181 --cluster-secret-file /etc/dchat/cluster-secret', 'only callers holding the cluster secret are served') as unknown as Argv<RpcServerArgs>,
  handler: async (args: ArgumentsCamelCase<RpcServerArgs>) => {
    let repo: ChatRepository | undefined;
    let session: ZkSession | undefined;
    let provider: RpcProvider;
    let ops: OpsEndpoint | undefined;
    let isStopping = false;
    try {
      const keys = parseServices(args.services);
      const credentials = requiredSecret('dchat rpc-server', args);
      repo = await openStore({ db: args.db, dataDir: args.dataDir });
      session = args.zk ? await ZkSession.connect({ connectString: args.zk, sessionTimeoutMs: args.sessionTimeoutMs, digests: credentials.zkDigests() }) : undefined;
      if (session) await lockDchatZnodes(session);
      provider = new RpcProvider({
        host: args.host,
        port: args.port,
        advertisedHost: args.advertiseHost,
        registry: session ? new ZkRegistry(session) : undefined,
        credentials,
      });
      const services = createLocalServices(repo, {
        passwordCost: chosenPasswordCost(args.passwordCost, 'rpc-server'),
        kdfQueue: kdfQueueFrom(args),
        resumeTokens: resumeTokensFrom(args),
        usage: parseLimitOptions(args.limit).usage,
      });
      for (const key of keys) hostService(provider, services, key);
      await provider.run();
      setLogNodeId(provider.address());
      if (session) watchZkSession(session);
      publishBacklog(repo);
      const store = repo;
      if (args.metrics !== undefined) ops = await serveOps('dchat rpc-server', args.metrics, () => rpcServerReadiness(store, session !== undefined, isStopping), credentials.metricsToken());
    } catch (err) {
      process.stderr.write(`dchat rpc-server: ${errorMessage(err)}\n`);
      await session?.close().catch(() => undefined);
      await repo?.close().catch(() => undefined);
      process.exit(1);
    }
    const registry = session ? `registered in ZooKeeper at ${args.zk}` : 'not registered: no --zk';
    process.stdout.write(`dchat rpc-server serving ${provider.serviceNames().join(', ')} on ${provider.address()} (${registry})\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    isStopping = true;
    process.stdout.write('dchat rpc-server: shutting down\n');
    const forceExit = setTimeout(() => process.exit(1), 10_000);
    forceExit.unref();
    await provider.stop();
    await session?.close();
    await repo.close();
    await ops?.stop();
    process.exit(0);
  },
};

/** Why the server should not be called now (empty: ready). */
async function rpcServerReadiness(repo: ChatRepository, isClustered: boolean, isStopping: boolean): Promise<string[]> {
  const reasons: string[] = [];
  if (isStopping) reasons.push('draining: the server is shutting down');
  if (isClustered && !isZkConnected()) reasons.push('not registered: the ZooKeeper session is disconnected or expired');
  const storeReason = await probeReason('store', () => repo.ping());
  if (storeReason) reasons.push(storeReason);
  return reasons;
}
