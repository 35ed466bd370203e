// `dchat lb`: keeps nginx's upstream equal to the live chat nodes in ZooKeeper. It watches
// /dchat/nodes, writes the `upstream` block into a file that nginx.conf includes, checks the
// config and reloads nginx, so that nobody edits the upstream by hand. `--once` publishes the
// current nodes and exits (for scripts).
import { dirname, join, resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { requiredSecret, secretOptions, type ClusterSecret, type SecretArgs } from '../base/cluster-secret.js';
import { errorMessage } from '../base/dchat-error.js';
import { checkWholeOption } from '../base/option-checks.js';
import { metricsOption, parseMetricsAddress, serveOps, type OpsEndpoint } from '../base/ops-endpoint.js';
import { isZkConnected, watchZkSession } from '../base/zk-session-metrics.js';
import { ZkSession } from '../zk/zk-session.js';
import { listNodeIds, readLiveNodes } from './live-nodes.js';
import { countPublish, lastPublishOk } from './lb-metrics.js';
import { reportLines, type ReportContext } from './lb-report.js';
import { defaultNginxBinary, nginxInstallHint, type NginxTarget } from './nginx-control.js';
import { UpstreamPublisher } from './upstream-publisher.js';
import { UpstreamSync, type SyncReport } from './upstream-sync.js';
import type { BalanceMode, UpstreamOptions } from './upstream-text.js';

interface LbArgs extends SecretArgs {
  zk: string;
  conf: string;
  prefix: string | undefined;
  upstreamFile: string | undefined;
  upstreamName: string;
  mode: BalanceMode;
  maxFails: number;
  failTimeout: number;
  debounceMs: number;
  nginx: string;
  once: boolean;
  reload: boolean;
  metrics: string | undefined;
}

export const lbCommand: CommandModule<object, LbArgs> = {
  command: 'lb',
  describe: 'Keep nginx\'s upstream equal to the live chat nodes in ZooKeeper, reloading nginx when nodes come and go',
  builder: (y: Argv) =>
    y
      .option('zk', { type: 'string', default: process.env['DCHAT_ZK'], demandOption: 'give --zk host:port,… or set DCHAT_ZK', describe: 'ZooKeeper connect string (env DCHAT_ZK)' })
      .options(secretOptions)
      .option('conf', { type: 'string', default: process.env['DCHAT_NGINX_CONF'], demandOption: 'give --conf /path/nginx.conf or set DCHAT_NGINX_CONF', describe: 'nginx.conf that includes the upstream file (env DCHAT_NGINX_CONF)' })
      .option('prefix', { type: 'string', describe: 'nginx prefix (-p); default: the directory of --conf' })
      .option('upstream-file', { type: 'string', describe: 'the file lb writes and nginx.conf includes; default: dchat-upstream.conf beside --conf' })
      .option('upstream-name', { type: 'string', default: 'dchat', describe: 'name of the upstream block (what proxy_pass names)' })
      .option('mode', { choices: ['round-robin', 'hash'] as const, default: 'round-robin' as BalanceMode, describe: 'round-robin with weights, or hash $remote_addr consistent' })
      .option('max-fails', { type: 'number', default: 3, describe: 'max_fails of each server' })
      .option('fail-timeout', { type: 'number', default: 30, describe: 'fail_timeout of each server, in seconds' })
      .option('debounce-ms', { type: 'number', default: 500, describe: 'wait this long after the last change of /dchat/nodes before writing' })
      .option('nginx', { type: 'string', default: defaultNginxBinary, describe: 'the nginx executable' })
      .option('once', { type: 'boolean', default: false, describe: 'write and reload once, then exit' })
      .option('reload', { type: 'boolean', default: true, describe: 'reload nginx after writing (--no-reload: only write and check)' })
      .option('metrics', metricsOption)
      .check((argv) => {
        const maxFails = argv['max-fails'] as number;
        const failTimeoutS = argv['fail-timeout'] as number;
        const debounceMs = argv['debounce-ms'] as number;
        const name = argv['upstream-name'] as string;
        checkWholeOption('--max-fails', maxFails, 0, 'the failures after which nginx rests a node');
        checkWholeOption('--fail-timeout', failTimeoutS, 1, 'seconds');
        checkWholeOption('--debounce-ms', debounceMs, 0, 'milliseconds');
        if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`--upstream-name "${name}": use letters, digits and _ only`);
        if (argv.metrics !== undefined) parseMetricsAddress(String(argv.metrics));
        return true;
      })
      .example('$0 lb --zk 127.0.0.1:2181 --conf /srv/nginx/nginx.conf', 'watch /dchat/nodes; write /srv/nginx/dchat-upstream.conf; reload nginx')
      .example('$0 lb --zk 127.0.0.1:2181 --conf /srv/nginx/nginx.conf --mode hash --once', 'one consistent-hash upstream from the nodes alive now') as unknown as Argv<LbArgs>,
  handler: async (args: ArgumentsCamelCase<LbArgs>) => {
    process.exitCode = await runLb(args);
  },
};

interface LbSetup {
  target: NginxTarget;
  publisher: UpstreamPublisher;
  context: ReportContext;
}

function setUp(args: LbArgs): LbSetup {
  const configPath = resolve(args.conf);
  const target: NginxTarget = { binary: args.nginx, configPath, prefix: resolve(args.prefix ?? dirname(configPath)) };
  const upstreamFile = resolve(args.upstreamFile ?? join(dirname(configPath), 'dchat-upstream.conf'));
  const upstream: UpstreamOptions = { mode: args.mode, name: args.upstreamName, maxFails: args.maxFails, failTimeoutS: args.failTimeout };
  const publisher = new UpstreamPublisher({ upstreamFile, nginx: target, upstream, isReloading: args.reload });
  return { target, publisher, context: { upstreamName: args.upstreamName, upstreamFile, mode: args.mode } };
}

async function runLb(args: LbArgs): Promise<number> {
  const hint = nginxInstallHint(args.nginx);
  if (hint) {
    process.stderr.write(`dchat lb: ${hint}\n`);
    return 1;
  }
  const setup = setUp(args);
  let session: ZkSession;
  let secret: ClusterSecret;
  try {
    secret = requiredSecret('dchat lb', args);
    session = await ZkSession.connect({ connectString: args.zk, digests: secret.zkDigests() });
  } catch (err) {
    process.stderr.write(`dchat lb: ${errorMessage(err)}\n`);
    return 1;
  }
  let ops: OpsEndpoint | undefined;
  try {
    if (args.metrics !== undefined) {
      watchZkSession(session);
      ops = await serveOps('dchat lb', args.metrics, () => Promise.resolve(lbReadiness()), secret.metricsToken());
    }
    return args.once ? await publishOnce(session, setup) : await follow(session, setup, args.debounceMs);
  } catch (err) {
    process.stderr.write(`dchat lb: ${errorMessage(err)}\n`);
    return 1;
  } finally {
    await ops?.stop();
    await session.close();
  }
}

/** Why `dchat lb` is not doing its job now (empty: it is). */
function lbReadiness(): string[] {
  const reasons: string[] = [];
  if (!isZkConnected()) reasons.push('the ZooKeeper session is disconnected or expired: /dchat/nodes is not watched');
  if (!lastPublishOk()) reasons.push('the last publish of the upstream failed (see the log)');
  return reasons;
}

function print(report: SyncReport, context: ReportContext): boolean {
  const { out, err } = reportLines(report, context);
  for (const line of out) process.stdout.write(`${line}\n`);
  for (const line of err) process.stderr.write(`${line}\n`);
  return report.error === undefined;
}

async function publishOnce(session: ZkSession, setup: LbSetup): Promise<number> {
  const report: SyncReport = { nodes: [], rejected: [], outcome: undefined, error: undefined };
  try {
    const live = await readLiveNodes(session, await listNodeIds(session));
    Object.assign(report, live);
    const published = await setup.publisher.publish(live.nodes);
    if (published.ok) report.outcome = published.value;
    else report.error = published.error;
  } catch (err) {
    report.error = errorMessage(err);
  }
  return print(report, setup.context) ? 0 : 1;
}

async function follow(session: ZkSession, setup: LbSetup, debounceMs: number): Promise<number> {
  const sync = new UpstreamSync({
    session,
    publisher: setup.publisher,
    debounceMs,
    maxDelayMs: Math.max(debounceMs * 4, 2_000),
    retryMs: 2_000,
    onReport: (report) => {
      countPublish(report);
      print(report, setup.context);
    },
  });
  process.stdout.write(`dchat lb: watching /dchat/nodes on ${session.connectString}; upstream file ${setup.context.upstreamFile}, nginx ${setup.target.configPath}\n`);
  sync.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await sync.stop();
  process.stdout.write('dchat lb: stopped (the upstream file stays as it is)\n');
  return 0;
}
