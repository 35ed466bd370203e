// Command line of the chat benchmark.

/**
 * forwarder: the bare reference (bare-forwarder.ts), one-to-one chats only; standalone+metrics:
 * the standalone node with --metrics, scraped every second.
 */
export type DeploymentKind = 'forwarder' | 'standalone' | 'cluster' | 'standalone+metrics';

/** What --only accepts (standalone+metrics comes with --metrics-cost). */
const deploymentKinds: readonly DeploymentKind[] = ['forwarder', 'standalone', 'cluster'];

export interface BenchArgs {
  connections: number[];
  /** A standalone round with this many logins and no messages, for RSS at scale; 0: none. */
  capacity: number;
  seconds: number;
  warmupSeconds: number;
  warmUpMessagesPerNode: number;
  /** Chat requests in flight per chat node of the deployment. */
  windowPerNode: number;
  /** Chats per second of the light-load phase. */
  lightRate: number;
  groupSize: number;
  nodes: number;
  deployments: DeploymentKind[];
  json: string | undefined;
  /** Directory for `node --cpu-prof` profiles of the chat nodes. */
  profileDir: string | undefined;
  keep: boolean;
}

export const usageText = `usage: node dist/bench/chat/chat-bench.js [--quick] [--connections N[,N...]] [--capacity N]
       [--seconds S] [--warmup S] [--warm-up-messages N] [--window-per-node N] [--light-rate R] [--group-size N] [--nodes N] [--only forwarder,standalone,cluster]
       [--metrics-cost] [--profile DIR] [--keep] [--json FILE]
  --quick           200 connections, 1.5 s phases, no capacity round (under a minute)
  --connections     logged-in clients per round (default 1000,10000)
  --capacity        a standalone round that only logs in N clients and reads RSS (default 15000; 0: none)
  --warmup          seconds of each phase before it is measured (default 1)
  --warm-up-messages before the first phase, 1:1 messages each chat node delivers unmeasured, and
                    as many group deliveries before the group phase, so that V8 has compiled the
                    hot code (default 20000; at most 30 s each)
  --window-per-node chat requests in flight over all clients, per chat node (default 16)
  --light-rate      chats per second of the light-load phase, where latency has no queueing (default 200)
  --only            which deployments, in this order (default forwarder,standalone,cluster; the
                    forwarder is the bare reference the CPU ratios need)
  --metrics-cost    the standalone node with metrics off and on (--metrics, scraped every second),
                    alternated twice, instead of standalone and cluster: the CPU per message metrics cost
  --profile DIR     run the chat nodes under node --cpu-prof, profiles in DIR`;

function usage(problem: string): never {
  process.stderr.write(`${problem}\n${usageText}\n`);
  process.exit(2);
}

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = {
    connections: [1000, 10_000],
    capacity: 15_000,
    seconds: 5,
    warmupSeconds: 1,
    warmUpMessagesPerNode: 20_000,
    windowPerNode: 16,
    lightRate: 200,
    groupSize: 10,
    nodes: 3,
    deployments: ['forwarder', 'standalone', 'cluster'],
    json: undefined,
    profileDir: undefined,
    keep: false,
  };
  const positive = (flag: string, text: string): number => {
    const n = Number(text);
    if (!(n > 0)) usage(`${flag} ${text}: expected a positive number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    const value = (): string => argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === '--quick') Object.assign(args, { connections: [200], capacity: 0, seconds: 1.5, warmupSeconds: 0.5, warmUpMessagesPerNode: 2_000 });
    else if (flag === '--connections') args.connections = value().split(',').map((t) => Math.floor(positive(flag, t)));
    else if (flag === '--capacity') args.capacity = Math.floor(Number(value()) || 0);
    else if (flag === '--seconds') args.seconds = positive(flag, value());
    else if (flag === '--warmup') args.warmupSeconds = Number(value()) || 0;
    else if (flag === '--warm-up-messages') args.warmUpMessagesPerNode = Math.floor(Number(value()) || 0);
    else if (flag === '--light-rate') args.lightRate = positive(flag, value());
    else if (flag === '--window-per-node') args.windowPerNode = Math.floor(positive(flag, value()));
    else if (flag === '--group-size') args.groupSize = Math.max(2, Math.floor(positive(flag, value())));
    else if (flag === '--nodes') args.nodes = Math.floor(positive(flag, value()));
    else if (flag === '--only') args.deployments = value().split(',').map((k) => (deploymentKinds.includes(k as DeploymentKind) ? (k as DeploymentKind) : usage(`--only ${k}: expected ${deploymentKinds.join(', ')}`)));
    else if (flag === '--json') args.json = value();
    else if (flag === '--profile') args.profileDir = value();
    else if (flag === '--keep') args.keep = true;
    else if (flag === '--metrics-cost') Object.assign(args, { deployments: ['standalone', 'standalone+metrics', 'standalone', 'standalone+metrics'], capacity: 0 });
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${usageText}\n`);
      process.exit(0);
    } else usage(`unknown option ${flag}`);
  }
  args.connections.sort((a, b) => a - b);
  return args;
}
